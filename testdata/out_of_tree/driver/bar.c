// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/version.h>
#include <linux/workqueue.h>

static void bar_fn(struct work_struct *work)
{
}
static DECLARE_WORK(bar_work, bar_fn);

#if LINUX_VERSION_CODE < KERNEL_VERSION(4, 15, 0)
static void bar_tick(unsigned long data)
{
	queue_work(system_long_wq, &bar_work);
}
#else
static void bar_tick(struct timer_list *t)
{
	schedule_work(&bar_work);
}
#endif

static int __init bar_init(void)
{
	bar_tick(0);
	return 0;
}

static void __exit bar_exit(void)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(2, 6, 22)
	flush_workqueue(system_long_wq);
#else
	flush_scheduled_work();
#endif
}

module_init(bar_init);
module_exit(bar_exit);
MODULE_LICENSE("GPL");
