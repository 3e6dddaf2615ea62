#ifndef _FOO_H
#define _FOO_H
#include <linux/workqueue.h>

extern struct work_struct foo_work;

static inline void foo_kick(void)
{
	schedule_work(&foo_work);
}

static inline void foo_sync(void)
{
	flush_workqueue(system_wq);
}
#endif
