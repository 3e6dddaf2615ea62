#include <linux/module.h>
#include <linux/workqueue.h>
#include <linux/i2c.h>

struct foo_chip {
	struct work_struct irq_work;
};

static irqreturn_t foo_irq(int irq, void *data)
{
	struct foo_chip *chip = data;

	schedule_work(&chip->irq_work);
	return IRQ_HANDLED;
}

static int foo_remove(struct i2c_client *client)
{
	flush_scheduled_work();
	return 0;
}

static struct i2c_driver foo_i2c_driver = {
	.remove	= foo_remove,
};
module_i2c_driver(foo_i2c_driver);
