/* SPDX-License-Identifier: GPL-2.0 */
#ifndef CORGE_H
#define CORGE_H

#include <linux/workqueue.h>

void corge_kick(void);

#endif
