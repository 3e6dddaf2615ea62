#include <linux/module.h>
#include <linux/workqueue.h>

static struct work_struct foo_work;

void foo_kick(void)
{
	queue_work(system_highpri_wq, &foo_work);
}

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	flush_workqueue(system_highpri_wq);
}

module_init(foo_init);
module_exit(foo_exit);
