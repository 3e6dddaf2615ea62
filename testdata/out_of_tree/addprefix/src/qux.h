/* SPDX-License-Identifier: GPL-2.0 */
#ifndef QUX_H
#define QUX_H

#include <linux/workqueue.h>

void qux_sync(void);

#endif
