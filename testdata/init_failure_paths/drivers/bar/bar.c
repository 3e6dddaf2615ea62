#include <linux/module.h>
#include <linux/workqueue.h>

/*
 * `return ret;` after a failure block that always leaves is the success
 * path: ret is 0 there, no destroy. The ladder's exit gets it.
 */
static void bar_fn(struct work_struct *work)
{
}
static DECLARE_WORK(bar_work, bar_fn);

void bar_kick(void)
{
	schedule_work(&bar_work);
}

static int __init bar_init(void)
{
	int ret = 0;

	BUILD_BUG_ON(sizeof(struct bar_entry) != 64);

	ret = bar_setup();
	if (ret < 0)
		goto out;

	ret = pci_register_driver(&bar_driver);
	if (ret) {
		pr_err("pci_register_driver failed: %d\n", ret);
		goto teardown;
	}
	return ret;

teardown:
	bar_teardown();
out:
	return ret;
}

static void __exit bar_exit(void)
{
	pci_unregister_driver(&bar_driver);
	flush_scheduled_work();
}

module_init(bar_init);
module_exit(bar_exit);
