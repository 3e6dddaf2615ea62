#include <linux/module.h>
#include <linux/workqueue.h>
#include <linux/bar.h>

struct foo_priv {
	struct work_struct work;
};

void foo_changed(struct bar_device *bar)
{
	schedule_work(&bar->changed_work);
}

void foo_kick(struct foo_priv *priv)
{
	schedule_work(&priv->work);
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
