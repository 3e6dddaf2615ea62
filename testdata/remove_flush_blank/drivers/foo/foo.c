#include <linux/module.h>
#include <linux/workqueue.h>

/*
 * The flush stands between blank lines: deleting it leaves one blank
 * line, not two.
 */
static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	foo_stop();

	flush_scheduled_work();

	/* disable the regulator */
	foo_regulator_put();
}

module_init(foo_init);
module_exit(foo_exit);
