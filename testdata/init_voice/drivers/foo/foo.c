#include <linux/module.h>
#include <linux/workqueue.h>

struct foo_dev {
	struct work_struct work;
};

void foo_kick(struct foo_dev *dev)
{
	schedule_work(&dev->work);
}

/* Every failure of init reports itself with pr_err() and a shared lead:
 * the workqueue's failure does too, in the same words. */
static int __init foo_init(void)
{
	int err;

	foo_major = register_blkdev(0, "foo");
	if (foo_major <= 0) {
		pr_err("Failed to load module, block device registration failed\n");
		return -EBUSY;
	}

	err = foo_create_sysfs_files();
	if (err) {
		pr_err("Failed to load module, creating sysfs files failed, err: %d\n",
		       err);
		unregister_blkdev(foo_major, "foo");
	}

	return err;
}

static void __exit foo_exit(void)
{
	unregister_blkdev(foo_major, "foo");
	flush_scheduled_work();
}

module_init(foo_init);
module_exit(foo_exit);
