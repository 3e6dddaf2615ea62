/* SPDX-License-Identifier: GPL-2.0 */
#ifndef QUUX_H
#define QUUX_H

#include <linux/workqueue.h>

void quux_io(void);

#endif
