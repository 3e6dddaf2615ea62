#include <linux/module.h>
#include <linux/workqueue.h>

struct bar_dev {
	struct work_struct work;
};

void bar_kick(struct bar_dev *dev)
{
	schedule_work(&dev->work);
}

/* One failure prints, which is no habit of the module's yet: the
 * workqueue's failure stays silent, as allocation failures are. */
static int __init bar_init(void)
{
	int error;

	error = bus_register_notifier(&i2c_bus_type, &bar_notifier);
	if (error) {
		pr_err("failed to register i2c bus notifier: %d\n", error);
		return error;
	}

	return 0;
}

static void __exit bar_exit(void)
{
	bus_unregister_notifier(&i2c_bus_type, &bar_notifier);
	flush_scheduled_work();
}

module_init(bar_init);
module_exit(bar_exit);
