/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FOO_COMPAT_H
#define _FOO_COMPAT_H

#include <linux/workqueue.h>

extern struct workqueue_struct *foo_events;

/* Flush our own events where older code flushed the system workqueue. */
#undef flush_scheduled_work
#define flush_scheduled_work() flush_workqueue(foo_events)

#endif /* _FOO_COMPAT_H */
