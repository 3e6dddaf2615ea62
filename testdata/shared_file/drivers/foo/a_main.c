#include <linux/module.h>
#include <linux/workqueue.h>
#include "common.h"

static struct foo_dev foo_a_dev;

static void foo_a_fn(struct work_struct *work)
{
}

void foo_a_kick(void)
{
	schedule_work(&foo_a_dev.work);
}

static int __init foo_a_init(void)
{
	INIT_WORK(&foo_a_dev.work, foo_a_fn);
	return 0;
}

static void __exit foo_a_exit(void)
{
	flush_scheduled_work();
}

module_init(foo_a_init);
module_exit(foo_a_exit);
