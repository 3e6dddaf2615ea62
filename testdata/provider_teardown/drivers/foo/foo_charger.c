// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/workqueue.h>

static struct foo_psy *foo_charger_psy;

static int __init foo_charger_init(void)
{
	foo_psy_changed(foo_charger_psy);
	return 0;
}

static void __exit foo_charger_exit(void)
{
	flush_scheduled_work();
	foo_psy_unregister(foo_charger_psy);
}

module_init(foo_charger_init);
module_exit(foo_charger_exit);
MODULE_LICENSE("GPL");
