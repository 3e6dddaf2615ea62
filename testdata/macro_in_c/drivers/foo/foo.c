#include <linux/module.h>
#include <linux/workqueue.h>

#define FOO_KICK(dev) schedule_work(&(dev)->work)

struct foo_dev {
	struct work_struct work;
};

void foo_kick(struct foo_dev *dev)
{
	FOO_KICK(dev);
}

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	flush_scheduled_work();
}

module_init(foo_init);
module_exit(foo_exit);
