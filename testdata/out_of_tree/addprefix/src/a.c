// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include "qux.h"

static void qux_fn(struct work_struct *work)
{
}
static DECLARE_WORK(qux_work, qux_fn);

static int __init qux_init(void)
{
	schedule_work(&qux_work);
	return 0;
}

static void __exit qux_exit(void)
{
	qux_sync();
}

module_init(qux_init);
module_exit(qux_exit);
MODULE_LICENSE("GPL");
