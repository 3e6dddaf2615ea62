#include <linux/workqueue.h>
#include "qux.h"

static void qux_timeout(struct work_struct *work)
{
}

void qux_cm_arm(struct qux_entry *entry)
{
	INIT_DELAYED_WORK(&entry->timeout, qux_timeout);
	schedule_delayed_work(&entry->timeout, HZ);
}

void qux_cm_clean(struct qux_entry *entry)
{
	mod_delayed_work(system_wq, &entry->timeout, 0);
	flush_scheduled_work();
}
