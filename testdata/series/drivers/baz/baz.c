#include <linux/module.h>
#include <linux/workqueue.h>
#include <linux/platform_device.h>

struct baz_priv {
	struct delayed_work poll;
	struct workqueue_struct *events;
};

static int baz_probe(struct platform_device *pdev)
{
	struct baz_priv *priv = platform_get_drvdata(pdev);

	priv->events = alloc_workqueue("baz_events", WQ_MEM_RECLAIM, 1);
	if (!priv->events)
		return -ENOMEM;
	schedule_delayed_work(&priv->poll, HZ);
	return 0;
}

static int baz_remove(struct platform_device *pdev)
{
	flush_scheduled_work();
	return 0;
}

static struct platform_driver baz_driver = {
	.probe	= baz_probe,
	.remove	= baz_remove,
};
module_platform_driver(baz_driver);

MODULE_LICENSE("GPL");
