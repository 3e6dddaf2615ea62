// SPDX-License-Identifier: GPL-2.0
/* The core of a family: its transports call its exports, and everyone
 * queues on system_wq and flushes it. */
#include <linux/module.h>
#include <linux/workqueue.h>
#include "foo.h"

void foo_ctrl_fatal_error(struct foo_ctrl *ctrl)
{
	schedule_work(&ctrl->fatal_err_work);
}
EXPORT_SYMBOL_GPL(foo_ctrl_fatal_error);

int foo_register_transport(int type)
{
	return 0;
}
EXPORT_SYMBOL_GPL(foo_register_transport);

static int __init foo_init(void)
{
	int error;

	error = foo_register_transport(0);
	if (error)
		goto out;
	return 0;
out:
	return error;
}

static void __exit foo_exit(void)
{
}

module_init(foo_init);
module_exit(foo_exit);
MODULE_LICENSE("GPL");
