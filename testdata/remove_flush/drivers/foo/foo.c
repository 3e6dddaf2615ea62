#include <linux/module.h>
#include <linux/workqueue.h>

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	foo_stop();
	flush_scheduled_work(); /* paranoia */
}

module_init(foo_init);
module_exit(foo_exit);
