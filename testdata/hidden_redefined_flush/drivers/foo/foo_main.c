// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/workqueue.h>
#include "foo.h"

static int __init foo_init(void)
{
	return foo_dev_register();
}

static void __exit foo_exit(void)
{
	foo_dev_unregister();
	flush_workqueue(system_wq);
}

module_init(foo_init);
module_exit(foo_exit);
MODULE_LICENSE("GPL");
