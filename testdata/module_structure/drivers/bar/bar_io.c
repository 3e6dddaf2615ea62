#include <linux/module.h>
#include <linux/workqueue.h>
#include "bar_def.h"

void bar_io_kick(struct bar_dev *dev)
{
	schedule_work(&dev->work);
}
