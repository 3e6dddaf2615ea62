// SPDX-License-Identifier: GPL-2.0
#include "quux.h"

static void quux_slow_fn(struct work_struct *work)
{
}
static DECLARE_DELAYED_WORK(quux_slow_work, quux_slow_fn);

void quux_io(void)
{
	schedule_delayed_work(&quux_slow_work, 1);
}
