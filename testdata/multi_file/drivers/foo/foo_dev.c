#include <linux/module.h>
#include <linux/workqueue.h>
#include "foo.h"

void foo_dev_kick(struct foo_dev *dev)
{
	schedule_work(&dev->work);
}
