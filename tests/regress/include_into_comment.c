#include <linux/module.h>
#include <linux flush reaches the item through a local set once from a getter,
 * the queueing call through container_of(). */
struct foo_priv {
	int irq;
	struct work_struct event_work;
};

static void foo_event(struct work_struct *work)
{
	struct foo_priv *priv = container_of(work, struct foo_priv, event_work);

	foo_handle(priv);
}
}

static irqreturn_t foo_isr(int irq, void *data)
{
	struct foo_priv *priv = data;

	schedule_work(&priv->event_work);
	return IRQ_HANDLED;
}

static int foo_remove(struct platform_device *pdev)
{
	struct foo_priv *priv = platform_get_drvdata(pdev);

	free_irq(priv->irq, priv);
	flush_scheduled_work();
	return 0;
}

static struct platform_driver foo_driver = {
	.remove	= foo_remove,
};
module_platform_driver(foo_driver);
