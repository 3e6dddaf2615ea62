#include <linux/module.h>
#include <linux/workqueue.h>

static void foo_fn(struct work_struct *work)
{
}
static DECLARE_WORK(foo_work, foo_fn);

static int __init foo_init(void)
{
	schedule_work(&foo_work);
	return 0;
}

static void __exit foo_exit(void)
{
}

module_init(foo_init);
module_exit(foo_exit);

#include "foo_selftest.c"
