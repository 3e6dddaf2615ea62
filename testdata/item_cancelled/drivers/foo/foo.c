#include <linux/module.h>
#include <linux/workqueue.h>

/* The only item the module queues is cancelled on the line before the
 * flush: the flush waits for nothing more of the module's. */
struct foo_bridge {
	struct work_struct retry_work;
};

static void foo_hpd(struct foo_bridge *bridge)
{
	schedule_work(&bridge->retry_work);
}

static void foo_remove(struct foo_bridge *bridge)
{
	cancel_work_sync(&bridge->retry_work);
	flush_scheduled_work();
	foo_release(bridge);
}

static int __init foo_init(void)
{
	return foo_register();
}

static void __exit foo_exit(void)
{
	foo_unregister();
}

module_init(foo_init);
module_exit(foo_exit);
