#include <linux/module.h>
#include <linux/workqueue.h>

struct foo_state {
	struct delayed_work work;
};

void foo_arm(struct foo_state *state, unsigned int ms)
{
	if (ms)
		schedule_delayed_work(&state->work, msecs_to_jiffies(ms));
}

/* Already past 80 columns: the call keeps its line, however long. */
void foo_arm_again(struct foo_state *state, unsigned int timeout_in_milliseconds)
{
	schedule_delayed_work(&state->work, msecs_to_jiffies(timeout_in_milliseconds));
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
