#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/workqueue.h>

/* Its own item is cancelled before the flush, but the flush also waits
 * for the callback the notifier core keeps and runs from its work. */
struct foo_dev {
	struct work_struct retry_work;
};

static void foo_dev_event(void *context)
{
	struct foo_dev *dev = context;

	schedule_work(&dev->retry_work);
}

static int foo_dev_probe(struct platform_device *pdev)
{
	struct foo_dev *dev = platform_get_drvdata(pdev);

	return foo_notify_register(foo_dev_event, dev);
}

static int foo_dev_remove(struct platform_device *pdev)
{
	struct foo_dev *dev = platform_get_drvdata(pdev);

	cancel_work_sync(&dev->retry_work);
	flush_scheduled_work();
	return 0;
}

static struct platform_driver foo_dev_driver = {
	.probe = foo_dev_probe,
	.remove = foo_dev_remove,
};
module_platform_driver(foo_dev_driver);
