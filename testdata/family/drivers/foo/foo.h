/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _FOO_H
#define _FOO_H

#include <linux/workqueue.h>

struct foo_ctrl {
	struct work_struct fatal_err_work;
	struct work_struct async_event_work;
};

void foo_ctrl_fatal_error(struct foo_ctrl *ctrl);
int foo_register_transport(int type);

#endif /* _FOO_H */
