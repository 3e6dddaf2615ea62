// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/workqueue.h>
#include "foo_compat.h"

struct workqueue_struct *foo_events;

static void foo_fn(struct work_struct *work)
{
}
static DECLARE_WORK(foo_work, foo_fn);

void foo_kick(void)
{
	schedule_work(&foo_work);
}

static int __init foo_init(void)
{
	foo_events = alloc_workqueue("foo_events", 0, 0);
	if (!foo_events)
		return -ENOMEM;
	return 0;
}

static void __exit foo_exit(void)
{
	flush_scheduled_work();
	destroy_workqueue(foo_events);
}

module_init(foo_init);
module_exit(foo_exit);
MODULE_LICENSE("GPL");
