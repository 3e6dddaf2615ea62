#ifndef _FOO_CORE_H
#define _FOO_CORE_H
#include <linux/workqueue.h>

static inline void foo_core_kick(struct work_struct *work)
{
	schedule_work(work);
}
#endif
