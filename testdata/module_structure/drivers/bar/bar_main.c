#include <linux/module.h>
#include <linux/workqueue.h>
#include "bar_def.h"

int bar_debug;

static int __init bar_init(void)
{
	return bar_register();
}

static void __exit bar_exit(void)
{
	bar_unregister();
	flush_scheduled_work();
}

module_init(bar_init);
module_exit(bar_exit);
