#include <linux/module.h>
#include <linux/workqueue.h>

static int __init alpha_init(void)
{
	return 0;
}

static void __exit alpha_exit(void)
{
	flush_scheduled_work();
}

module_init(alpha_init);
module_exit(alpha_exit);
