#include <linux/module.h>
#include <linux/workqueue.h>

/*
 * system_unbound_wq runs up to WQ_UNBOUND_MAX_ACTIVE items at once: the
 * new workqueue gets the same max_active.
 */
struct bar_dev {
	struct work_struct work;
};

void bar_kick(struct bar_dev *dev)
{
	queue_work(system_unbound_wq, &dev->work);
}

static int __init bar_init(void)
{
	return bar_register();
}

static void __exit bar_exit(void)
{
	bar_unregister();
	flush_workqueue(system_unbound_wq);
}

module_init(bar_init);
module_exit(bar_exit);
