#include <linux/module.h>
#include <linux/workqueue.h>

static struct work_struct bar_work;
static struct work_struct bar_bulk;

void bar_kick(void)
{
	schedule_work(&bar_work);
	queue_work(system_unbound_wq, &bar_bulk);
}

static int __init bar_init(void)
{
	return 0;
}

static void __exit bar_exit(void)
{
	int tries = 0;

	goto wait;
wait:
	tries++;
	pr_debug("bar: waiting, try %d\n", tries);
	/* Queued in exit: flagged, so this patch is an RFC. */
	schedule_work(&bar_work);

	flush_scheduled_work();
}

module_init(bar_init);
module_exit(bar_exit);
