// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include <linux/workqueue.h>
#include "foo.h"

void foo_dev_reset(struct foo_dev *dev)
{
	switch (dev->state) {
	case 1:
		dev->state = 0;
		fallthrough;
	default:
		schedule_work(&dev->reset_work);
	}
}

void foo_dev_stop(struct foo_dev *dev)
{
	flush_workqueue(dev->events);
}
