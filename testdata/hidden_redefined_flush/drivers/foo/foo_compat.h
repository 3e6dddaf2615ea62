/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FOO_COMPAT_H
#define _FOO_COMPAT_H

#include <linux/workqueue.h>

#ifndef fallthrough
#define fallthrough do {} while (0)
#endif

/* 5.19 made flush_workqueue() warn on the system workqueues. */
#ifdef flush_workqueue
#undef flush_workqueue
#endif
#define flush_workqueue(wq) __flush_workqueue(wq)

#endif /* _FOO_COMPAT_H */
