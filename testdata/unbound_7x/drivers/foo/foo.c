#include <linux/module.h>
#include <linux/workqueue.h>

static struct work_struct foo_work;

void foo_kick(void)
{
	/* 7.x creates system_unbound_wq with WQ_MAX_ACTIVE, not 5.10's
	 * WQ_UNBOUND_MAX_ACTIVE: the new workqueue gets the tree's own. */
	queue_work(system_unbound_wq, &foo_work);
}

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	flush_workqueue(system_unbound_wq);
}

module_init(foo_init);
module_exit(foo_exit);
