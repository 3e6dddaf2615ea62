// SPDX-License-Identifier: GPL-2.0
#include <linux/interrupt.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/workqueue.h>

#define FOO_PORTS 4

/* One instance per port, all of them in one array: the flush waits for
 * the event work of every port, named through a loop over the array. */
struct foo_port {
	int irq;
	struct work_struct event_work;
};

static struct foo_port foo_ports[FOO_PORTS];

static void foo_event(struct work_struct *work)
{
	struct foo_port *port = container_of(work, struct foo_port,
					     event_work);

	pr_info("foo: port irq %d\n", port->irq);
}

static irqreturn_t foo_irq(int irq, void *data)
{
	struct foo_port *port = data;

	schedule_work(&port->event_work);
	return IRQ_HANDLED;
}

static int __init foo_init(void)
{
	int n;

	for (n = 0; n < ARRAY_SIZE(foo_ports); n++) {
		foo_ports[n].irq = 32 + n;
		INIT_WORK(&foo_ports[n].event_work, foo_event);
	}

	for (n = 0; n < ARRAY_SIZE(foo_ports); n++)
		if (request_irq(foo_ports[n].irq, foo_irq, 0, "foo",
				&foo_ports[n]))
			goto undo;
	return 0;

undo:
	while (n--)
		free_irq(foo_ports[n].irq, &foo_ports[n]);
	return -EBUSY;
}

static void __exit foo_exit(void)
{
	unsigned int port;

	for (port = 0; port < FOO_PORTS; port++)
		free_irq(foo_ports[port].irq, &foo_ports[port]);
	flush_scheduled_work();
}

module_init(foo_init);
module_exit(foo_exit);
MODULE_LICENSE("GPL");
