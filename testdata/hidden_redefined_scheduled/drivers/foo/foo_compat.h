/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FOO_COMPAT_H
#define _FOO_COMPAT_H

#include <linux/version.h>
#include <linux/workqueue.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 19, 0)
#undef flush_scheduled_work
#define flush_scheduled_work() __flush_workqueue(system_wq)
#endif

#ifndef fallthrough
#define fallthrough do {} while (0)
#endif

#endif /* _FOO_COMPAT_H */
