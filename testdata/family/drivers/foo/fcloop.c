// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/workqueue.h>
#include "foo.h"

/* Calls only a member's export, and queues on system_wq: the family is
 * whole only with it (its work is what the members' flushes wait for). */
struct foo_fcloop_rport {
	struct work_struct ls_work;
};

static void foo_fcloop_ls_req(struct foo_fcloop_rport *rport)
{
	schedule_work(&rport->ls_work);
}

static int __init foo_fcloop_init(void)
{
	return foo_fc_register_targetport(NULL);
}

module_init(foo_fcloop_init);
MODULE_LICENSE("GPL");
