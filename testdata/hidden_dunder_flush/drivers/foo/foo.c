#include <linux/module.h>
#include <linux/workqueue.h>

static void foo_fn(struct work_struct *work)
{
}
static DECLARE_WORK(foo_work, foo_fn);

void foo_kick(void)
{
	schedule_work(&foo_work);
}

static int __init foo_init(void)
{
	return foo_setup();
}

static void __exit foo_exit(void)
{
	foo_teardown();
	__flush_workqueue(system_wq);
}

module_init(foo_init);
module_exit(foo_exit);
