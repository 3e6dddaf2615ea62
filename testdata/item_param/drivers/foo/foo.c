#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/workqueue.h>

/* The flush names the device's item through the parameter it holds. */
struct foo_chip {
	struct work_struct irq_work;
	struct delayed_work poweroff_work;
};

static void foo_irq(struct foo_chip *chip)
{
	schedule_work(&chip->irq_work);
	schedule_delayed_work(&chip->poweroff_work, HZ);
}

static void foo_teardown(struct foo_chip *chip)
{
	foo_disable_irq(chip);
	flush_scheduled_work();
	foo_power_off(chip);
}

static int __init foo_init(void)
{
	return foo_register();
}

static void __exit foo_exit(void)
{
	foo_unregister();
}

module_init(foo_init);
module_exit(foo_exit);
