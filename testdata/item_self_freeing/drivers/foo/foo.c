#include <linux/module.h>
#include <linux/workqueue.h>

/* Each request frees itself when its work has run: at the flush the
 * request may be gone, so a flush_work() on it could touch freed
 * memory. Only a workqueue of the module's own can wait for it. */
struct foo_req {
	struct work_struct work;
	int data;
};

static void foo_req_fn(struct work_struct *work)
{
	struct foo_req *req = container_of(work, struct foo_req, work);

	kfree(req);
}

static void foo_submit(struct foo_req *req)
{
	INIT_WORK(&req->work, foo_req_fn);
	schedule_work(&req->work);
}

static void foo_drain(struct foo_req *req)
{
	flush_scheduled_work();
}

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	flush_scheduled_work();
}

module_init(foo_init);
module_exit(foo_exit);
