// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/workqueue.h>
#include "foo.h"

struct foo_tcp_queue {
	struct foo_ctrl *ctrl;
	struct work_struct release_work;
};

static void foo_tcp_release(struct foo_tcp_queue *queue)
{
	schedule_work(&queue->release_work);
}

static void foo_tcp_error(struct foo_tcp_queue *queue)
{
	foo_ctrl_fatal_error(queue->ctrl);
}

static void foo_tcp_install(struct foo_tcp_queue *queue)
{
	/* Let inflight controller teardown complete */
	flush_scheduled_work();
}

static int __init foo_tcp_init(void)
{
	return foo_register_transport(1);
}

static void __exit foo_tcp_exit(void)
{
	flush_scheduled_work();
}

module_init(foo_tcp_init);
module_exit(foo_tcp_exit);
MODULE_LICENSE("GPL");
