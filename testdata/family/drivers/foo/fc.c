// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/workqueue.h>
#include "foo.h"

/* A member: calls the core and exports an API of its own. */
struct foo_fc_ls {
	struct work_struct put_work;
};

int foo_fc_register_targetport(struct foo_fc_ls *ls)
{
	schedule_work(&ls->put_work);
	return foo_register_transport(3);
}
EXPORT_SYMBOL_GPL(foo_fc_register_targetport);

MODULE_LICENSE("GPL");
