#ifndef _FOO_H
#define _FOO_H
#include <linux/workqueue.h>

extern struct work_struct foo_work;
#define FOO_KICK() schedule_work(&foo_work)
#define FOO_SYNC() flush_scheduled_work()
#endif
