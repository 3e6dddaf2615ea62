#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

/*
 * The reset runs on the module's own WQ_MEM_RECLAIM workqueue and waits
 * for every request's completion work: whatever workqueue that work
 * moves to, memory reclaim may wait for it, so it gets WQ_MEM_RECLAIM.
 */
struct foo_req {
	struct work_struct work;
	int status;
};

static struct workqueue_struct *foo_io_wq;
static struct work_struct foo_reset_work;

static void foo_req_done(struct work_struct *work)
{
	struct foo_req *req = container_of(work, struct foo_req, work);

	kfree(req);
}

void foo_complete(struct foo_req *req, int status)
{
	req->status = status;
	INIT_WORK(&req->work, foo_req_done);
	schedule_work(&req->work);
}

static void foo_reset(struct work_struct *work)
{
	/* Every completion queued before the reset has run after this. */
	flush_scheduled_work();
}

void foo_trigger_reset(void)
{
	queue_work(foo_io_wq, &foo_reset_work);
}

static int __init foo_init(void)
{
	foo_io_wq = create_singlethread_workqueue("foo_io");
	if (!foo_io_wq)
		return -ENOMEM;
	INIT_WORK(&foo_reset_work, foo_reset);
	return 0;
}

static void __exit foo_exit(void)
{
	destroy_workqueue(foo_io_wq);
}

module_init(foo_init);
module_exit(foo_exit);
MODULE_LICENSE("GPL");
