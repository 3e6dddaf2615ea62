#include <linux/module.h>
#include <linux/workqueue.h>

static void zork_btemp_poll(struct work_struct *work)
{
}

static DECLARE_WORK(poll_work, zork_btemp_poll);

static int __init zork_btemp_init(void)
{
	schedule_work(&poll_work);
	return 0;
}

static void __exit zork_btemp_exit(void)
{
	cancel_work_sync(&poll_work);
	flush_scheduled_work();
}

module_init(zork_btemp_init);
module_exit(zork_btemp_exit);
