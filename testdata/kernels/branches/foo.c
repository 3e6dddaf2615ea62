// SPDX-License-Identifier: GPL-2.0
/*
 * Which system workqueue the exit flushes depends on the kernel: each
 * branch is rewritten for the kernels that compile it, in one conversion.
 */
#include <linux/module.h>
#include <linux/version.h>
#include <linux/workqueue.h>

static void foo_fn(struct work_struct *work)
{
}

static DECLARE_WORK(foo_work, foo_fn);
static DECLARE_WORK(foo_long_work, foo_fn);

static int __init foo_init(void)
{
	schedule_work(&foo_work);
	queue_work(system_long_wq, &foo_long_work);
	return 0;
}

static void __exit foo_exit(void)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 0, 0)
	flush_scheduled_work();
#else
	flush_workqueue(system_long_wq);
#endif
}

module_init(foo_init);
module_exit(foo_exit);
MODULE_LICENSE("GPL");
