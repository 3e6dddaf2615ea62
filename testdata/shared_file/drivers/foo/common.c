#include <linux/workqueue.h>
#include "common.h"

void foo_common_kick(struct foo_dev *dev)
{
	schedule_work(&dev->work);
}
