#include <linux/module.h>
#include <linux/workqueue.h>

static struct delayed_work foo_poll;
static struct delayed_work foo_retry;

void foo_start(unsigned long delay)
{
	schedule_delayed_work(&foo_poll, delay);
	mod_delayed_work(system_wq, &foo_retry, msecs_to_jiffies(100));
}

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	cancel_delayed_work_sync(&foo_poll);
	flush_workqueue(system_wq);
}

module_init(foo_init);
module_exit(foo_exit);
