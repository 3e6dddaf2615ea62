#include <linux/module.h>
#include <linux/workqueue.h>

static void foo_lib_kick(struct foo_req *req)
{
	schedule_work(&req->work);
}

void foo_lib_enqueue(struct foo_req *req)
{
	foo_lib_kick(req);
}
EXPORT_SYMBOL(foo_lib_enqueue);
