#include <linux/module.h>
#include <linux/workqueue.h>

/* The flush holds the parent; the item lives in a child it points to. */
struct foo_port {
	struct work_struct tx_work;
};

struct foo_dev {
	int id;
	struct foo_port *port;
};

static void foo_kick(struct foo_port *port)
{
	schedule_work(&port->tx_work);
}

static void foo_stop(struct foo_dev *dev)
{
	foo_quiesce(dev);
	flush_scheduled_work();
}

static int __init foo_init(void)
{
	return foo_register();
}

static void __exit foo_exit(void)
{
	foo_unregister();
}

module_init(foo_init);
module_exit(foo_exit);
