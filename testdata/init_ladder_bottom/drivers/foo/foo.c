#include <linux/module.h>
#include <linux/workqueue.h>

struct foo_dev {
	struct work_struct work;
};

void foo_kick(struct foo_dev *dev)
{
	schedule_work(&dev->work);
}

/* Undoing the first step flushes the queue: the workqueue cannot be a
 * step of the ladder with its label above that undo, which would then
 * flush a destroyed queue. It is allocated first and destroyed under a
 * label at the bottom, the early failure going there. */
static void foo_dev_exit(void)
{
	flush_scheduled_work();
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
	if (ret < 0)
		goto blk_fail;
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
}

module_init(foo_init);
module_exit(foo_exit);
