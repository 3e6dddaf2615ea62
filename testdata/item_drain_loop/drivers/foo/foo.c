#include <linux/module.h>
#include <linux/workqueue.h>

/* The flush repeats until the list is empty, which only sess_work's
 * function does: that is the item the loop waits on. */
struct foo_tgt {
	struct work_struct sess_work;
	struct list_head sess_works_list;
	struct delayed_work poll_work;
};

static void foo_sess_work_fn(struct work_struct *work)
{
	struct foo_tgt *tgt = container_of(work, struct foo_tgt, sess_work);

	while (!list_empty(&tgt->sess_works_list))
		list_del(tgt->sess_works_list.next);
}

static void foo_poll_fn(struct work_struct *work)
{
}

static void foo_tgt_init(struct foo_tgt *tgt)
{
	INIT_WORK(&tgt->sess_work, foo_sess_work_fn);
	INIT_DELAYED_WORK(&tgt->poll_work, foo_poll_fn);
}

static void foo_sched_sess_work(struct foo_tgt *tgt)
{
	schedule_work(&tgt->sess_work);
	schedule_delayed_work(&tgt->poll_work, 10);
}

int foo_stop_phase1(struct foo_tgt *tgt)
{
	while (!list_empty(&tgt->sess_works_list)) {
		flush_scheduled_work();
	}
	return 0;
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
