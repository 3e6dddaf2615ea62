#include <linux/module.h>
#include <linux/workqueue.h>

struct foo_dev {
	struct work_struct work;
};

static void foo_gc_fn(struct work_struct *work)
{
}
static DECLARE_WORK(foo_gc_work, foo_gc_fn);

/* Queues the caller's device's item: a flush of system_wq waits for it. */
void foo_lib_kick(struct foo_dev *dev)
{
	schedule_work(&dev->work);
}
EXPORT_SYMBOL(foo_lib_kick);

/* Queues the library's own global item, which the library manages. */
void foo_lib_collect(void)
{
	schedule_work(&foo_gc_work);
}
EXPORT_SYMBOL(foo_lib_collect);

/* Queues on system_long_wq, which flush_scheduled_work() never waits for. */
void foo_lib_rescan(struct foo_dev *dev)
{
	queue_work(system_long_wq, &dev->work);
}
EXPORT_SYMBOL(foo_lib_rescan);
