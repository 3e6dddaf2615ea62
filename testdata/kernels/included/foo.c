// SPDX-License-Identifier: GPL-2.0
/*
 * The release work is queued with schedule_work() and the exit flushes
 * system_wq by name: on kernels where schedule_work() queues on
 * system_percpu_wq, the flush waits for none of it.
 */
#include <linux/module.h>
#include <linux/workqueue.h>

static void foo_release(struct work_struct *work)
{
}

static DECLARE_WORK(foo_release_work, foo_release);

static void foo_stop(void)
{
	schedule_work(&foo_release_work);
}

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	foo_stop();
	flush_workqueue(system_wq);
}

module_init(foo_init);
module_exit(foo_exit);
MODULE_LICENSE("GPL");
