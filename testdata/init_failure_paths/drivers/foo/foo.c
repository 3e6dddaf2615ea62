#include <linux/module.h>
#include <linux/workqueue.h>

/*
 * The failure block before `return err;` does not leave: the destroy goes
 * in it, not in a second `if (err)`. The allocation follows the
 * compile-time checks.
 */
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
	int err = 0;

	BUILD_BUG_ON(sizeof(struct foo_msg) != 4);
	BUILD_BUG_ON(sizeof(struct foo_rsp) != 8);
	foo_major = register_blkdev(foo_major, "foo");
	if (foo_major <= 0) {
		pr_err("block device registration failed\n");
		return -EBUSY;
	}

	err = foo_create_sysfs_files();
	if (err) {
		pr_err("creating sysfs device files failed, err: %d\n", err);
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
