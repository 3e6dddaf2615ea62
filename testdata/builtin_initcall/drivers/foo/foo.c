#include <linux/module.h>
#include <linux/workqueue.h>

static struct work_struct foo_work;

void foo_kick(void)
{
	schedule_work(&foo_work);
}

void foo_sync(void)
{
	flush_scheduled_work();
}

static int __init foo_init(void)
{
	return 0;
}
subsys_initcall(foo_init);
