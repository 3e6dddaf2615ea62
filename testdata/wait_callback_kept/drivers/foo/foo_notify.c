#include <linux/module.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

/*
 * A notifier core: it keeps the callback a client registers and runs it
 * later from its own work, which its timer queues. The export queues
 * nothing itself.
 */
struct foo_notify {
	struct timer_list timer;
	struct work_struct event_work;
	void (*notify)(void *context);
	void *context;
};

static struct foo_notify foo_notify_core;

static void foo_notify_event(struct work_struct *work)
{
	struct foo_notify *core = container_of(work, struct foo_notify,
					       event_work);

	if (core->notify)
		core->notify(core->context);
}

static void foo_notify_timer(struct timer_list *t)
{
	schedule_work(&foo_notify_core.event_work);
}

static void foo_notify_store(struct foo_notify *core,
			     void (*notify)(void *context), void *context)
{
	core->notify = notify;
	core->context = context;
}

int foo_notify_register(void (*notify)(void *context), void *context)
{
	foo_notify_store(&foo_notify_core, notify, context);
	mod_timer(&foo_notify_core.timer, jiffies + HZ);
	return 0;
}
EXPORT_SYMBOL(foo_notify_register);

static int __init foo_notify_init(void)
{
	INIT_WORK(&foo_notify_core.event_work, foo_notify_event);
	timer_setup(&foo_notify_core.timer, foo_notify_timer, 0);
	return 0;
}
module_init(foo_notify_init);
