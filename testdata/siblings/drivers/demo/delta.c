#include <linux/module.h>
#include <linux/workqueue.h>

static int __init delta_init(void)
{
	return 0;
}

static void __exit delta_exit(void)
{
	flush_scheduled_work();
}

module_init(delta_init);
module_exit(delta_exit);
