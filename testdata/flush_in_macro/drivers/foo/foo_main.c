#include <linux/module.h>
#include <linux/workqueue.h>
#include "foo.h"

static void foo_fn(struct work_struct *work)
{
}
DECLARE_WORK(foo_work, foo_fn);

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	FOO_SYNC();
}

module_init(foo_init);
module_exit(foo_exit);
