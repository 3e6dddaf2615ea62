// SPDX-License-Identifier: GPL-2.0
#include "quux.h"

static void quux_fast_fn(struct work_struct *work)
{
}
static DECLARE_WORK(quux_fast_work, quux_fast_fn);

void quux_io(void)
{
	schedule_work(&quux_fast_work);
}
