#include <linux/module.h>
#include <linux/workqueue.h>

static struct work_struct foo_work;
static struct delayed_work foo_dwork;

void foo_kick(int cpu)
{
	schedule_work_on(cpu, &foo_work);
	schedule_delayed_work_on(cpu, &foo_dwork, HZ);
	queue_work_on(cpu, system_wq, &foo_work);
	mod_delayed_work_on(cpu, system_wq, &foo_dwork, 0);
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
