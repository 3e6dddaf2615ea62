// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/workqueue.h>
#include "foo_compat.h"

static void foo_poll(struct work_struct *work);
static DECLARE_DELAYED_WORK(foo_poll_work, foo_poll);

static void foo_poll(struct work_struct *work)
{
	schedule_delayed_work(&foo_poll_work, HZ);
}

static int __init foo_init(void)
{
	schedule_delayed_work(&foo_poll_work, HZ);
	return 0;
}

static void __exit foo_exit(void)
{
	cancel_delayed_work_sync(&foo_poll_work);
	flush_scheduled_work();
}

module_init(foo_init);
module_exit(foo_exit);
MODULE_LICENSE("GPL");
