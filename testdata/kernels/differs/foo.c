// SPDX-License-Identifier: GPL-2.0
/*
 * The module queues on a system workqueue only on older kernels: there the
 * flush waits for its work, on newer ones for nothing of the module's.
 * Step 0 decides differently per kernel, and no one conversion is right.
 */
#include <linux/module.h>
#include <linux/version.h>
#include <linux/workqueue.h>

static void foo_fn(struct work_struct *work)
{
}

static DECLARE_WORK(foo_work, foo_fn);

static int __init foo_init(void)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 0, 0)
	schedule_work(&foo_work);
#endif
	return 0;
}

static void __exit foo_exit(void)
{
	flush_scheduled_work();
}

module_init(foo_init);
module_exit(foo_exit);
MODULE_LICENSE("GPL");
