#include <linux/module.h>
#include <linux/workqueue.h>

/* The flush's only struct variable is a loop cursor: after the loop it
 * names no one device, so only a workqueue of the module's own will do. */
struct foo_dev {
	struct list_head node;
	struct work_struct reset_work;
};

static LIST_HEAD(foo_devices);

static void foo_reset(struct foo_dev *dev)
{
	schedule_work(&dev->reset_work);
}

static int __init foo_init(void)
{
	return foo_register();
}

static void __exit foo_exit(void)
{
	struct foo_dev *dev;

	list_for_each_entry(dev, &foo_devices, node)
		foo_stop(dev);
	flush_scheduled_work();
	foo_unregister();
}

module_init(foo_init);
module_exit(foo_exit);
