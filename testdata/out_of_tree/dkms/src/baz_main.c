// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include "baz.h"

static void baz_fn(struct work_struct *work)
{
	baz_io_kick();
}
static DECLARE_WORK(baz_work, baz_fn);

static int __init baz_init(void)
{
	schedule_work(&baz_work);
	return 0;
}

static void __exit baz_exit(void)
{
	flush_scheduled_work();
}

module_init(baz_init);
module_exit(baz_exit);
MODULE_LICENSE("GPL");
