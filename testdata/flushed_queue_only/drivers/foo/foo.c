#include <linux/module.h>
#include <linux/workqueue.h>

/* The exit flushes system_long_wq, which never held foo_reply_work
 * (system_wq, the same flags): only foo_unmap_work moves. */
static struct work_struct foo_reply_work;
static struct work_struct foo_unmap_work;

void foo_reply(void)
{
	schedule_work(&foo_reply_work);
}

void foo_unmap_all(void)
{
	queue_work(system_long_wq, &foo_unmap_work);
	flush_workqueue(system_long_wq);
}

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	foo_unmap_all();
}

module_init(foo_init);
module_exit(foo_exit);
