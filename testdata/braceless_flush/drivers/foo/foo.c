#include <linux/module.h>
#include <linux/workqueue.h>

static bool foo_busy;

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
	return 0;
}

static void __exit foo_exit(void)
{
	if (foo_busy)
		pr_info("foo: busy at exit\n");
	else
		flush_scheduled_work();
}

module_init(foo_init);
module_exit(foo_exit);
