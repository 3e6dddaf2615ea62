#include <linux/module.h>
#include <linux/workqueue.h>

static int __init blip_charger_init(void)
{
	return 0;
}

static void __exit blip_charger_exit(void)
{
	flush_scheduled_work();
}

module_init(blip_charger_init);
module_exit(blip_charger_exit);
