#include <linux/module.h>
#include <linux/workqueue.h>

/*
 * Another workqueue of the module has WQ_MEM_RECLAIM, for other work: no
 * evidence for this work, so no flag and nothing said about it.
 */
struct baz_dev {
	struct work_struct work;
};

static struct workqueue_struct *baz_events;

void baz_kick(struct baz_dev *dev)
{
	schedule_work(&dev->work);
}

static int __init baz_init(void)
{
	baz_events = alloc_workqueue("baz_events", WQ_MEM_RECLAIM, 0);
	if (!baz_events)
		return -ENOMEM;
	return 0;
}

static void __exit baz_exit(void)
{
	baz_unregister();
	flush_scheduled_work();
	destroy_workqueue(baz_events);
}

module_init(baz_init);
module_exit(baz_exit);
