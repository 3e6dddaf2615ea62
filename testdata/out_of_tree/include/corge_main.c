// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include "corge.h"

static int __init corge_init(void)
{
	corge_kick();
	return 0;
}

static void __exit corge_exit(void)
{
	flush_scheduled_work();
}

module_init(corge_init);
module_exit(corge_exit);
MODULE_LICENSE("GPL");
