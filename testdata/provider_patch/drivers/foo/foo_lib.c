// SPDX-License-Identifier: GPL-2.0
/* A library module with no init of its own: it queues the work items its
 * callers hand in, and they flush system_wq to wait for them. */
#include <linux/module.h>
#include <linux/workqueue.h>
#include "foo_lib.h"

static void foo_lib_work_handler(struct work_struct *work)
{
	struct foo_work_data *data = container_of(work, struct foo_work_data, work);

	data->done(data, 0);
}

void foo_lib_enqueue(struct foo_work_data *data,
		     void (*done)(struct foo_work_data *data, int status))
{
	data->done = done;
	INIT_WORK(&data->work, foo_lib_work_handler);
	schedule_work(&data->work);
}
EXPORT_SYMBOL(foo_lib_enqueue);

int foo_lib_probe(void)
{
	return 0;
}
EXPORT_SYMBOL(foo_lib_probe);

MODULE_DESCRIPTION("Foo library");
MODULE_LICENSE("GPL");
