#include <linux/module.h>
#include <linux/workqueue.h>

static void foo_fn(struct work_struct *work)
{
}
static DECLARE_WORK(foo_work, foo_fn);

static bool (*foo_queue)(struct work_struct *work) = schedule_work;

void foo_kick(void)
{
	foo_queue(&foo_work);
	schedule_work(&foo_work);
}

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	flush_scheduled_work();
}

module_init(foo_init);
module_exit(foo_exit);
