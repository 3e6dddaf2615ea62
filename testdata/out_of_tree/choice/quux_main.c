// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include "quux.h"

static int __init quux_init(void)
{
	quux_io();
	return 0;
}

static void __exit quux_exit(void)
{
	flush_scheduled_work();
}

module_init(quux_init);
module_exit(quux_exit);
MODULE_LICENSE("GPL");
