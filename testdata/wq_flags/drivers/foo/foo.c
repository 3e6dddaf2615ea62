#include <linux/module.h>
#include <linux/workqueue.h>
#include <linux/blk-mq.h>

/*
 * Work queued from a blk_mq_ops .queue_rq: block I/O, which memory
 * reclaim waits for, so the new workqueue gets WQ_MEM_RECLAIM.
 */
struct foo_iod {
	struct work_struct work;
};

static void foo_submit(struct foo_iod *iod)
{
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
	return foo_register(&foo_mq_ops);
}

static void __exit foo_exit(void)
{
	foo_unregister();
	flush_scheduled_work();
}

module_init(foo_init);
module_exit(foo_exit);
