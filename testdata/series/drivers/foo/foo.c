#include <linux/module.h>
#include <linux/workqueue.h>
#include <linux/platform_device.h>

static struct work_struct foo_work;

static int foo_probe(struct platform_device *pdev)
{
	schedule_work(&foo_work);
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
