#include <linux/module.h>
#include <linux/workqueue.h>

static void foo_fn(struct work_struct *work)
{
}
static DECLARE_WORK(foo_work, foo_fn);

void foo_kick(void)
{
	schedule_work(&foo_work);
}

void foo_kick_again(void)
{
	queue_work(system_percpu_wq, &foo_work);
}

void foo_elsewhere(void)
{
	/* Unbound: the per-CPU flush never waited for it. */
	queue_work(system_dfl_wq, &foo_work);
}

static int __init foo_init(void)
{
	int ret;

	ret = foo_setup();
	if (ret)
		return ret;
	return 0;
}

static void __exit foo_exit(void)
{
	flush_scheduled_work();
	foo_teardown();
}

module_init(foo_init);
module_exit(foo_exit);
