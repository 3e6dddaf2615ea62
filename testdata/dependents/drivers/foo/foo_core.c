#include <linux/module.h>
#include <linux/workqueue.h>

/* A core module that flushes system_wq; its transports call its exports
 * and queue on system_wq themselves, so the flush waits for their work. */
static void foo_core_fn(struct work_struct *work)
{
}
static DECLARE_WORK(foo_core_work, foo_core_fn);

int foo_core_register(void)
{
	schedule_work(&foo_core_work);
	return 0;
}
EXPORT_SYMBOL_GPL(foo_core_register);

void foo_core_release(void)
{
	flush_scheduled_work();
}
EXPORT_SYMBOL_GPL(foo_core_release);

static int __init foo_core_init(void)
{
	return 0;
}

static void __exit foo_core_exit(void)
{
}

module_init(foo_core_init);
module_exit(foo_core_exit);
