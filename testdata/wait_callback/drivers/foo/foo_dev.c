#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/workqueue.h>

/* Its own item is cancelled before the flush, but the flush also waits
 * for the loader's callback, which may use the device: not removable. */
struct foo_dev {
	struct work_struct retry_work;
};

static void foo_dev_loaded(void *context)
{
	struct foo_dev *dev = context;

	schedule_work(&dev->retry_work);
}

static int foo_dev_probe(struct platform_device *pdev)
{
	struct foo_dev *dev = platform_get_drvdata(pdev);

	return foo_fw_load_nowait(dev, foo_dev_loaded);
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
