// SPDX-License-Identifier: GPL-2.0
#include "corge.h"

static void corge_fn(struct work_struct *work)
{
}
static DECLARE_WORK(corge_work, corge_fn);

void corge_kick(void)
{
	schedule_work(&corge_work);
}
