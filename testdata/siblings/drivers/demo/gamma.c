#include <linux/module.h>
#include <linux/workqueue.h>

static int __init gamma_init(void)
{
	return 0;
}

static void __exit gamma_exit(void)
{
	flush_scheduled_work();
}

module_init(gamma_init);
module_exit(gamma_exit);
