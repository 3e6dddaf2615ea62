#include <linux/module.h>
#include <linux/workqueue.h>

/* The flush names the item through the module's typedef of the struct. */
typedef struct foo_host {
	struct work_struct scan_work;
	int flags;
} foo_host_t;

static void foo_scan(foo_host_t *host)
{
	schedule_work(&host->scan_work);
}

static void foo_stop(foo_host_t *host)
{
	flush_scheduled_work();
}

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
}

module_init(foo_init);
module_exit(foo_exit);
