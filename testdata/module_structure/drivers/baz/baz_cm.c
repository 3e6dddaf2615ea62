#include <linux/workqueue.h>
#include "baz.h"

static void baz_timeout(struct work_struct *work)
{
}

void baz_cm_arm(struct baz_entry *entry)
{
	INIT_DELAYED_WORK(&entry->timeout, baz_timeout);
	schedule_delayed_work(&entry->timeout, HZ);
}

void baz_cm_clean(struct baz_entry *entry)
{
	mod_delayed_work(system_wq, &entry->timeout, 0);
	flush_scheduled_work();
}
