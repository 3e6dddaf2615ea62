// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/workqueue.h>

static int __init foo_hba_init(void)
{
	return foo_irq_set_hint(1, 0);
}

static void __exit foo_hba_exit(void)
{
	flush_scheduled_work();
}

module_init(foo_hba_init);
module_exit(foo_hba_exit);
MODULE_LICENSE("GPL");
