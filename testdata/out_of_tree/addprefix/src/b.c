// SPDX-License-Identifier: GPL-2.0
#include "qux.h"

void qux_sync(void)
{
	flush_workqueue(system_wq);
}
