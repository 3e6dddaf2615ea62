#ifndef _FOO_COMMON_H
#define _FOO_COMMON_H
#include <linux/workqueue.h>

struct foo_dev {
	struct work_struct work;
};

void foo_common_kick(struct foo_dev *dev);
#endif
