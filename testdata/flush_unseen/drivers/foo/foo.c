#include <linux/module.h>
#include <linux/workqueue.h>

static void foo_fn(struct work_struct *work)
{
}
static DECLARE_WORK(foo_work, foo_fn);

/* Called through a pointer, flush_scheduled_work() is no call site. */
static void (*foo_sync)(void) = flush_scheduled_work;

void foo_kick(void)
{
	schedule_work(&foo_work);
}

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	foo_sync();
}

module_init(foo_init);
module_exit(foo_exit);
