#include <linux/module.h>
#include <linux/workqueue.h>

/*
 * A call on a line the author let run past 80 columns is wrapped when the
 * new workqueue's name makes it longer still; a short one stays on its line.
 */
struct foo_ctrl {
	struct delayed_work retry_work;
	bool busy;
};

void foo_ctrl_retry(struct foo_ctrl *ctrl)
{
	if (ctrl->busy)
		mod_delayed_work(system_wq, &ctrl->retry_work, FOO_RETRY_TIMEOUT);
	else
		mod_delayed_work(system_wq, &ctrl->retry_work, 0);
}

static int __init foo_init(void)
{
	return 0;
}

static void __exit foo_exit(void)
{
	flush_workqueue(system_wq);
}

module_init(foo_init);
module_exit(foo_exit);
