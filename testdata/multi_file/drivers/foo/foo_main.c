#include <linux/module.h>
#include <linux/workqueue.h>
#include "foo.h"

static int __init foo_init(void)
{
	return foo_register();
}

static void __exit foo_exit(void)
{
	foo_unregister();
	flush_scheduled_work();
}

module_init(foo_init);
module_exit(foo_exit);
