/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __FOO_LIB_H__
#define __FOO_LIB_H__

#include <linux/workqueue.h>

struct foo_work_data {
	struct work_struct work;
	void (*done)(struct foo_work_data *data, int status);
};

void foo_lib_enqueue(struct foo_work_data *data,
		     void (*done)(struct foo_work_data *data, int status));
int foo_lib_probe(void);

#endif /* __FOO_LIB_H__ */
