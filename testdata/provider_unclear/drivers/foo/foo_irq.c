// SPDX-License-Identifier: GPL-2.0
/* Queues a notifier item looked up from the number it is given: not an
 * item the caller hands in, and no callback of the caller's. */
#include <linux/module.h>
#include <linux/workqueue.h>

struct foo_desc {
	struct foo_notify *notify;
};

struct foo_desc *foo_to_desc(unsigned int irq);

int foo_irq_set_hint(unsigned int irq, int cpu)
{
	struct foo_desc *desc = foo_to_desc(irq);

	if (desc->notify)
		schedule_work(&desc->notify->work);
	return 0;
}
EXPORT_SYMBOL(foo_irq_set_hint);
MODULE_LICENSE("GPL");
