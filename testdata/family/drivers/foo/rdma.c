// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/workqueue.h>
#include "foo.h"

struct foo_rdma_queue {
	struct foo_ctrl *ctrl;
	struct work_struct release_work;
};

static void foo_rdma_release(struct foo_rdma_queue *queue)
{
	schedule_work(&queue->release_work);
}

static void foo_rdma_error(struct foo_rdma_queue *queue)
{
	foo_ctrl_fatal_error(queue->ctrl);
}

static void foo_rdma_install(struct foo_rdma_queue *queue)
{
	/* Let inflight controller teardown complete */
	flush_scheduled_work();
}

static int __init foo_rdma_init(void)
{
	return foo_register_transport(1);
}

static void __exit foo_rdma_exit(void)
{
	flush_scheduled_work();
}

module_init(foo_rdma_init);
module_exit(foo_rdma_exit);
MODULE_LICENSE("GPL");
