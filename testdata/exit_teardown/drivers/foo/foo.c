#include <linux/module.h>
#include <linux/workqueue.h>
#include <linux/platform_device.h>

/* The destroy goes after the unregistration, before the first release. */
static char *foo_buf;

static void foo_fn(struct work_struct *work)
{
	foo_buf[0] = 0;
}
static DECLARE_WORK(foo_work, foo_fn);

void foo_kick(void)
{
	schedule_work(&foo_work);
}

static int __init foo_init(void)
{
	return foo_setup();
}

static void __exit foo_exit(void)
{
	platform_driver_unregister(&foo_driver);
	kfree(foo_buf);
	flush_scheduled_work();
}

module_init(foo_init);
module_exit(foo_exit);
