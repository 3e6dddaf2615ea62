#include <linux/module.h>
#include <linux/workqueue.h>

static void foo_user_fn(struct work_struct *work)
{
}
static DECLARE_WORK(foo_user_work, foo_user_fn);

void foo_user_submit(struct foo_dev *dev)
{
	schedule_work(&foo_user_work);
	foo_lib_kick(dev);
	foo_lib_collect();
	foo_lib_rescan(dev);
}

static int __init foo_user_init(void)
{
	return 0;
}

static void __exit foo_user_exit(void)
{
	flush_scheduled_work();
}

module_init(foo_user_init);
module_exit(foo_user_exit);
