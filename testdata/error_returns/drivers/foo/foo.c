#include <linux/module.h>
#include <linux/workqueue.h>

static struct work_struct foo_work;

void foo_kick(void)
{
	schedule_work(&foo_work);
}

static int __init foo_init(void)
{
	struct foo_res *res;

	if (!foo_present())
		return -ENODEV;

	res = foo_get();
	if (IS_ERR(res)) {
		pr_err("foo: no resource\n");
		return PTR_ERR(res);
	}
	if (foo_setup(res) < 0)
		return -EIO;
	else
		foo_note();

	switch (foo_mode()) {
	case 1:
		return -EINVAL;
	default:
		break;
	}
	return 0;
}

static void __exit foo_exit(void)
{
	flush_scheduled_work();
}

module_init(foo_init);
module_exit(foo_exit);
