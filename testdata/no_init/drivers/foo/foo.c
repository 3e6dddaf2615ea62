#include <linux/module.h>
#include <linux/workqueue.h>

static struct work_struct foo_work;

void foo_kick(void)
{
	schedule_work(&foo_work);
}

void foo_lib_remove(void)
{
	flush_scheduled_work();
}
EXPORT_SYMBOL(foo_lib_remove);
