// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/workqueue.h>
#include "foo.h"

struct foo_loop_iod {
	struct work_struct work;
};

static void foo_loop_queue_rq(struct foo_loop_iod *iod)
{
	schedule_work(&iod->work);
}

static int __init foo_loop_init(void)
{
	return foo_register_transport(2);
}

module_init(foo_loop_init);
MODULE_LICENSE("GPL");
