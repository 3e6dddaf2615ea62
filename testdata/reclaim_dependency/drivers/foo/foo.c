#include <linux/module.h>
#include <linux/workqueue.h>
#include <linux/blk-mq.h>

/*
 * Work queued from a blk_mq_ops .queue_rq gets WQ_MEM_RECLAIM; that work
 * flushes foo_io_wq, allocated without it: check_flush_dependency()
 * would warn, so the patch is flagged for a maintainer's decision.
 */
static struct workqueue_struct *foo_io_wq;

struct foo_iod {
	struct work_struct work;
};

static void foo_iod_work(struct work_struct *work)
{
	flush_workqueue(foo_io_wq);
}

static void foo_submit(struct foo_iod *iod)
{
	INIT_WORK(&iod->work, foo_iod_work);
	schedule_work(&iod->work);
}

static blk_status_t foo_queue_rq(struct blk_mq_hw_ctx *hctx,
				 const struct blk_mq_queue_data *bd)
{
	foo_submit(blk_mq_rq_to_pdu(bd->rq));
	return BLK_STS_OK;
}

static const struct blk_mq_ops foo_mq_ops = {
	.queue_rq	= foo_queue_rq,
};

static int __init foo_init(void)
{
	foo_io_wq = alloc_workqueue("foo_io", 0, 0);
	if (!foo_io_wq)
		return -ENOMEM;
	return foo_register(&foo_mq_ops);
}

static void __exit foo_exit(void)
{
	foo_unregister();
	flush_scheduled_work();
	destroy_workqueue(foo_io_wq);
}

module_init(foo_init);
module_exit(foo_exit);
