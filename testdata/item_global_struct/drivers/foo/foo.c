#include <linux/module.h>
#include <linux/workqueue.h>

/* One instance at file scope: the exit names its item directly. */
struct foo_state {
	struct work_struct event_work;
	int events;
};

static struct foo_state foo_state;

static void foo_event(void)
{
	foo_state.events++;
	schedule_work(&foo_state.event_work);
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
