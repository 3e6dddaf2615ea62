#include <linux/module.h>
#include <linux/workqueue.h>

/* The first step fails by returning, the later ones through a ladder of
 * labels: the workqueue becomes one more step, allocated right before the
 * first step that fails into the ladder, with a label of its own. */
static void foo_fn(struct work_struct *work)
{
}
static DECLARE_WORK(foo_work, foo_fn);

void foo_kick(void)
{
	schedule_work(&foo_work);
}

static int __init foo_init(void)
{
	int ret;

	ret = foo_dev_init();
	if (ret)
		return ret;
	ret = foo_chr_init();
	if (ret)
		goto chr_fail;
	ret = foo_blk_init();
	if (ret < 0) {
		pr_err("foo: no block device\n");
		goto blk_fail;
	}
	return 0;
 blk_fail:
	foo_chr_exit();
 chr_fail:
	foo_dev_exit();

	pr_info("foo: initialisation failure\n");
	return ret;
}

static void __exit foo_exit(void)
{
	foo_blk_exit();
	foo_chr_exit();
	foo_dev_exit();
	flush_scheduled_work();
}

module_init(foo_init);
module_exit(foo_exit);
