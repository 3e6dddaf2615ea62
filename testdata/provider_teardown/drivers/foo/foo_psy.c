// SPDX-License-Identifier: GPL-2.0
/* A class library: it queues its own per-device item when told of a
 * change, and cancels it itself when the device is unregistered. */
#include <linux/module.h>
#include <linux/workqueue.h>

struct foo_psy {
	struct work_struct changed_work;
};

void foo_psy_changed(struct foo_psy *psy)
{
	schedule_work(&psy->changed_work);
}
EXPORT_SYMBOL_GPL(foo_psy_changed);

void foo_psy_unregister(struct foo_psy *psy)
{
	cancel_work_sync(&psy->changed_work);
}
EXPORT_SYMBOL_GPL(foo_psy_unregister);
MODULE_LICENSE("GPL");
