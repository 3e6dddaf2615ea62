#include <linux/module.h>
#include <linux/workqueue.h>

void foo_user_submit(struct foo_req *req)
{
	foo_lib_enqueue(req);
}

static int __init foo_user_init(void)
{
	return 0;
}

static void __exit foo_user_exit(void)
{
	flush_scheduled_work();
}

module_init(foo_user_init);
module_exit(foo_user_exit);
