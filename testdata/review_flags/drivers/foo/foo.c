#include <linux/module.h>
#include <linux/workqueue.h>

static struct work_struct foo_work;

void foo_queue(struct work_struct *work)
{
	schedule_work(work);
}
EXPORT_SYMBOL(foo_queue);

void foo_sync(void)
{
	flush_scheduled_work();
}
EXPORT_SYMBOL(foo_sync);

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	schedule_work(&foo_work);
}

module_init(foo_init);
module_exit(foo_exit);
