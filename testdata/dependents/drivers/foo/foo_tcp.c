#include <linux/module.h>
#include <linux/workqueue.h>

/* A transport: calls the core's export and queues on system_wq itself. */
struct foo_queue {
	struct work_struct release_work;
};

static void foo_tcp_release(struct foo_queue *queue)
{
	schedule_work(&queue->release_work);
}

static int __init foo_tcp_init(void)
{
	return foo_core_register();
}

module_init(foo_tcp_init);
