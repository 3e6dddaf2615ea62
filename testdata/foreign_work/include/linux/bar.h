#ifndef _LINUX_BAR_H
#define _LINUX_BAR_H
#include <linux/workqueue.h>

struct bar_device {
	struct work_struct changed_work;
	void *priv;
};
#endif
