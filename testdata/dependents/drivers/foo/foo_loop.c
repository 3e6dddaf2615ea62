#include <linux/module.h>
#include <linux/workqueue.h>

/* Calls the core's export but queues on its own workqueue only: not a
 * dependent of the flush. */
static struct workqueue_struct *foo_loop_wq;

static void foo_loop_kick(struct work_struct *work)
{
	queue_work(foo_loop_wq, work);
}

static int __init foo_loop_init(void)
{
	return foo_core_register();
}

module_init(foo_loop_init);
