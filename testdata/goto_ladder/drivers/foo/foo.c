#include <linux/module.h>
#include <linux/workqueue.h>

static struct work_struct foo_work;

void foo_kick(void)
{
	schedule_work(&foo_work);
}

static int __init foo_init(void)
{
	int err;

	err = foo_a_init();
	if (err)
		goto out;
	err = foo_b_init();
	if (err)
		goto out_a;
	err = foo_c_init();
	if (err)
		goto out_b;
	return 0;

out_b:
	foo_b_exit();
out_a:
	foo_a_exit();
out:
	return err;
}

static void __exit foo_exit(void)
{
	foo_c_exit();
	foo_b_exit();
	foo_a_exit();
	flush_scheduled_work();
}

module_init(foo_init);
module_exit(foo_exit);
