#include <linux/module.h>
#include <linux/workqueue.h>
#include <linux/platform_device.h>

static struct work_struct foo_work;

static int foo_remove(struct platform_device *pdev)
{
	flush_scheduled_work();
	return 0;
}

void foo_kick(void)
{
	schedule_work(&foo_work);
}

static struct platform_driver foo_driver = {
	.remove	= foo_remove,
};

static int __init foo_init(void)
{
	pr_info("foo: loading\n");
	return platform_driver_register(&foo_driver);
}

static void __exit foo_exit(void)
{
	platform_driver_unregister(&foo_driver);
}

module_init(foo_init);
module_exit(foo_exit);
