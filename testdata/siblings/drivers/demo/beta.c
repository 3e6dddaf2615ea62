#include <linux/module.h>
#include <linux/workqueue.h>

static int __init beta_init(void)
{
	return 0;
}

static void __exit beta_exit(void)
{
	flush_scheduled_work();
}

module_init(beta_init);
module_exit(beta_exit);
