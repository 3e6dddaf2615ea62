#include <linux/module.h>
#include <linux/workqueue.h>

/* The flush is in the exit, and the loader holds a reference on the
 * module until the callback has run: the callback cannot be pending. */
static void foo_pinned_loaded(void *context)
{
}

static int __init foo_pinned_init(void)
{
	return foo_fw_load_pinned(THIS_MODULE, NULL, foo_pinned_loaded);
}

static void __exit foo_pinned_exit(void)
{
	flush_scheduled_work();
}

module_init(foo_pinned_init);
module_exit(foo_pinned_exit);
