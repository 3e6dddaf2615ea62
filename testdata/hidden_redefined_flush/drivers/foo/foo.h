/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FOO_H
#define _FOO_H

#include "foo_compat.h"

struct foo_dev {
	struct workqueue_struct *events;
	struct work_struct reset_work;
	int state;
};

void foo_dev_reset(struct foo_dev *dev);
int foo_dev_register(void);
void foo_dev_unregister(void);

#endif /* _FOO_H */
