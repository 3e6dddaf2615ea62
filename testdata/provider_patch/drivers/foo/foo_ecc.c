// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include "foo_lib.h"

static struct foo_work_data foo_ecc_data;

static void foo_ecc_done(struct foo_work_data *data, int status)
{
}

static int __init foo_ecc_init(void)
{
	foo_lib_enqueue(&foo_ecc_data, foo_ecc_done);
	return foo_lib_probe();
}

static void __exit foo_ecc_exit(void)
{
	flush_scheduled_work();
}

module_init(foo_ecc_init);
module_exit(foo_ecc_exit);
MODULE_LICENSE("GPL");
