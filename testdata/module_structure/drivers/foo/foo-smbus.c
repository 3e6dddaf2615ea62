#include <linux/module.h>
#include <linux/workqueue.h>
#include "foo.h"

static void foo_smbus_remove(struct work_struct *work)
{
}
static DECLARE_WORK(foo_smbus_work, foo_smbus_remove);

static int foo_smbus_notifier_call(struct notifier_block *nb,
				   unsigned long action, void *data)
{
	schedule_work(&foo_smbus_work);
	return 0;
}

int __init foo_smbus_module_init(void)
{
	int error;

	error = bus_register_notifier(&i2c_bus_type, &foo_smbus_notifier);
	if (error) {
		pr_err("failed to register i2c bus notifier: %d\n", error);
		return error;
	}

	return 0;
}

void foo_smbus_module_exit(void)
{
	bus_unregister_notifier(&i2c_bus_type, &foo_smbus_notifier);
	flush_scheduled_work();
}
