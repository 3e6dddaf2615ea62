#include <linux/module.h>
#include <linux/workqueue.h>

static struct work_struct foo_work;
static struct work_struct foo_bulk;

void foo_kick(void)
{
	schedule_work(&foo_work);
	queue_work(system_unbound_wq, &foo_bulk);
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
