#include <linux/module.h>
#include <linux/workqueue.h>

/* Written for kernels where schedule_work() queued on system_wq: on 7.2
 * it queues on system_percpu_wq, and this flush waits for none of it. */
static void foo_release_fn(struct work_struct *work)
{
}
static DECLARE_WORK(foo_release_work, foo_release_fn);

static void foo_put(void)
{
	schedule_work(&foo_release_work);
}

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	flush_workqueue(system_wq);
}

module_init(foo_init);
module_exit(foo_exit);
