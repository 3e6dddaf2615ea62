/* SPDX-License-Identifier: GPL-2.0 */
#ifndef BAZ_H
#define BAZ_H

#include <linux/workqueue.h>

void baz_io_kick(void);

#endif
