#include <linux/module.h>
#include <linux/workqueue.h>

static struct work_struct foo_work;

void foo_kick(void)
{
	if (!queue_work(system_wq, &foo_work))
		pr_debug("foo: already queued\n");
}

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	__flush_workqueue(system_wq);
}

module_init(foo_init);
module_exit(foo_exit);
