#include <linux/module.h>
#include <linux/workqueue.h>

static int __init zork_charger_init(void)
{
	return zork_core_register();
}

static void __exit zork_charger_exit(void)
{
	zork_core_unregister();
	flush_scheduled_work();
}

module_init(zork_charger_init);
module_exit(zork_charger_exit);
