#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

static struct work_struct *foo_wk;

static void foo_fn(struct work_struct *work)
{
}

void foo_kick(void)
{
	schedule_work(foo_wk);
}

static int __init foo_init(void)
{
	foo_wk = kzalloc(sizeof(*foo_wk), GFP_KERNEL);
	if (!foo_wk)
		return -ENOMEM;
	INIT_WORK(foo_wk, foo_fn);
	return 0;
}

static void __exit foo_exit(void)
{
	flush_scheduled_work();
	kfree(foo_wk);
}

module_init(foo_init);
module_exit(foo_exit);
