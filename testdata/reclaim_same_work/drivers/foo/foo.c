#include <linux/module.h>
#include <linux/slab.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

/*
 * The recovery work runs on the module's own WQ_MEM_RECLAIM workqueue
 * when I/O fails, and on system_wq when the watchdog fires: the same
 * work, which the author judged memory reclaim may need, so the new
 * workqueue gets WQ_MEM_RECLAIM too.
 */
struct foo_dev {
	struct timer_list watchdog;
	struct work_struct recover_work;
};

static struct workqueue_struct *foo_io_wq;

static void foo_recover(struct work_struct *work)
{
	struct foo_dev *dev = container_of(work, struct foo_dev, recover_work);

	pr_info("foo: recovering %p\n", dev);
}

void foo_io_failed(struct foo_dev *dev)
{
	queue_work(foo_io_wq, &dev->recover_work);
}

static void foo_watchdog(struct timer_list *t)
{
	struct foo_dev *dev = from_timer(dev, t, watchdog);

	schedule_work(&dev->recover_work);
}

void foo_dev_setup(struct foo_dev *dev)
{
	INIT_WORK(&dev->recover_work, foo_recover);
	timer_setup(&dev->watchdog, foo_watchdog, 0);
}

static int __init foo_init(void)
{
	foo_io_wq = alloc_workqueue("foo_io", WQ_MEM_RECLAIM, 0);
	if (!foo_io_wq)
		return -ENOMEM;
	return 0;
}

static void __exit foo_exit(void)
{
	flush_scheduled_work();
	destroy_workqueue(foo_io_wq);
}

module_init(foo_init);
module_exit(foo_exit);
MODULE_LICENSE("GPL");
