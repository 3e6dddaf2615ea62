// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include "foo_lib.h"

static struct foo_work_data foo_sha_data;

static void foo_sha_done(struct foo_work_data *data, int status)
{
}

static int __init foo_sha_init(void)
{
	foo_lib_enqueue(&foo_sha_data, foo_sha_done);
	return foo_lib_probe();
}

static void __exit foo_sha_exit(void)
{
	flush_scheduled_work();
}

module_init(foo_sha_init);
module_exit(foo_sha_exit);
MODULE_LICENSE("GPL");
