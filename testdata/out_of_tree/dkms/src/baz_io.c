// SPDX-License-Identifier: GPL-2.0
#include "baz.h"

static void baz_io_fn(struct work_struct *work)
{
}
static DECLARE_WORK(baz_io_work, baz_io_fn);

void baz_io_kick(void)
{
	schedule_work(&baz_io_work);
}
