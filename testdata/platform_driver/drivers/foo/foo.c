#include <linux/module.h>
#include <linux/workqueue.h>
#include <linux/platform_device.h>

struct foo_priv {
	struct delayed_work poll;
};

static int foo_probe(struct platform_device *pdev)
{
	struct foo_priv *priv = platform_get_drvdata(pdev);

	schedule_delayed_work(&priv->poll, HZ);
	return 0;
}

static int foo_remove(struct platform_device *pdev)
{
	flush_scheduled_work();
	return 0;
}

static struct platform_driver foo_driver = {
	.probe	= foo_probe,
	.remove	= foo_remove,
};
module_platform_driver(foo_driver);

MODULE_LICENSE("GPL");
