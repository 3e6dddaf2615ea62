// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
#include "foo.h"

void foo_port_release(struct foo_ctrl *ctrl)
{
	/* Let inflight controllers teardown complete */
	flush_scheduled_work();
	schedule_work(&ctrl->async_event_work);
}
