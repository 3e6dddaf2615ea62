#include <linux/module.h>
#include <linux/workqueue.h>

static struct workqueue_struct *foo_wq;
static struct work_struct foo_work;
static struct work_struct foo_other;

void foo_kick(void)
{
	queue_work(foo_wq, &foo_work);
	schedule_work(&foo_other);
}

static int __init foo_init(void)
{
	foo_wq = alloc_ordered_workqueue("foo_wq", 0);
	if (!foo_wq)
		return -ENOMEM;
	return 0;
}

static void __exit foo_exit(void)
{
	flush_scheduled_work();
	destroy_workqueue(foo_wq);
}

module_init(foo_init);
module_exit(foo_exit);
