#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

/*
 * Both items queue themselves again from their own work functions. The
 * poll is cancelled where its device goes; the refill never is: it may
 * be pending after the exit's flush. The exit then frees the devices
 * (through an array: which, localwq cannot tell), foo_log_cache, which
 * the work never names, and foo_pool_cache, which the refill allocates
 * from, before destroy_workqueue() drains it. Flagged: requeued, naming
 * foo_pool_cache, the release shown to be used.
 */
struct foo_dev {
	struct delayed_work poll_work;
	struct work_struct refill_work;
	void *pool;
};

static struct foo_dev *foo_devs[4];
static struct kmem_cache *foo_log_cache;
static struct kmem_cache *foo_pool_cache;

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

	dev->pool = kmem_cache_alloc(foo_pool_cache, GFP_KERNEL);
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
	kmem_cache_destroy(foo_log_cache);
	kmem_cache_destroy(foo_pool_cache);
}

module_init(foo_init);
module_exit(foo_exit);
