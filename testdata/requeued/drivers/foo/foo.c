#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

/*
 * Both items queue themselves again from their own work functions. The
 * poll is cancelled where its device goes; the refill never is: it may
 * be pending after the exit's flush, when foo_free_all() frees the pool
 * it uses, before destroy_workqueue() drains it. Flagged: requeued.
 */
struct foo_dev {
	struct delayed_work poll_work;
	struct work_struct refill_work;
	void *pool;
};

static struct foo_dev *foo_devs[4];

static void foo_poll(struct work_struct *work)
{
	struct foo_dev *dev = container_of(work, struct foo_dev, poll_work.work);

	schedule_delayed_work(&dev->poll_work, HZ);
}

static void foo_refill_later(struct foo_dev *dev)
{
	schedule_work(&dev->refill_work);
}

static void foo_refill(struct work_struct *work)
{
	struct foo_dev *dev = container_of(work, struct foo_dev, refill_work);

	if (!dev->pool)
		foo_refill_later(dev);
}

void foo_start(struct foo_dev *dev)
{
	INIT_DELAYED_WORK(&dev->poll_work, foo_poll);
	INIT_WORK(&dev->refill_work, foo_refill);
	schedule_work(&dev->refill_work);
}

void foo_stop(struct foo_dev *dev)
{
	cancel_delayed_work_sync(&dev->poll_work);
}

static void foo_free_all(void)
{
	int i;

	for (i = 0; i < 4; i++)
		kfree(foo_devs[i]);
}

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	flush_scheduled_work();
	foo_free_all();
}

module_init(foo_init);
module_exit(foo_exit);
