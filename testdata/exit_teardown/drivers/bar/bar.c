#include <linux/module.h>
#include <linux/workqueue.h>

/* The flush once nothing can queue becomes the destroy: it drains. */
static void bar_fn(struct work_struct *work)
{
}
static DECLARE_WORK(bar_work, bar_fn);

void bar_kick(void)
{
	schedule_work(&bar_work);
}

static void bar_stop(void)
{
	bar_stopped = 1;
}

static int __init bar_init(void)
{
	return bar_setup();
}

static void __exit bar_exit(void)
{
	bar_stop();
	destroy_workqueue(bar_events);
	/* Make sure the pending work is done. */
	flush_scheduled_work();
	WARN_ON(bar_busy);
}

module_init(bar_init);
module_exit(bar_exit);
