#include <linux/module.h>
#include <linux/workqueue.h>

/*
 * The module's workqueues are named for what runs on them: a new one is
 * named for its work too (login), and the comment that quotes the
 * queueing call follows it onto the new queue.
 */
struct foo_conn {
	struct delayed_work login_work;
};

static struct workqueue_struct *foo_comp_wq;
static struct workqueue_struct *foo_release_wq;

void foo_rx_login(struct foo_conn *conn)
{
	/*
	 * Each login PDU kicks schedule_delayed_work(&conn->login_work) as it
	 * is received; schedule_delayed_work(&conn->login_work2) is another's.
	 */
	schedule_delayed_work(&conn->login_work, 0);
}

void foo_login_retry(struct foo_conn *conn)
{
	schedule_delayed_work(&conn->login_work, HZ);
}

static int __init foo_init(void)
{
	foo_comp_wq = alloc_workqueue("foo_comp_wq", 0, 0);
	if (!foo_comp_wq)
		return -ENOMEM;
	foo_release_wq = alloc_workqueue("foo_release_wq", 0, 0);
	if (!foo_release_wq) {
		destroy_workqueue(foo_comp_wq);
		return -ENOMEM;
	}
	return 0;
}

static void __exit foo_exit(void)
{
	flush_scheduled_work();
	destroy_workqueue(foo_release_wq);
	destroy_workqueue(foo_comp_wq);
}

module_init(foo_init);
module_exit(foo_exit);
