#include <linux/module.h>
#include <linux/workqueue.h>

/*
 * The module's workqueues are named for what runs on them: a new one is
 * named for its work too (login), its init label for the workqueue it
 * destroys as theirs are, and the comment that quotes the queueing call
 * follows it onto the new queue.
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
	int ret;

	ret = foo_register();
	if (ret)
		return ret;
	foo_comp_wq = alloc_workqueue("foo_comp_wq", 0, 0);
	if (!foo_comp_wq) {
		ret = -ENOMEM;
		goto out_unregister;
	}
	foo_release_wq = alloc_workqueue("foo_release_wq", 0, 0);
	if (!foo_release_wq) {
		ret = -ENOMEM;
		goto destroy_comp_wq;
	}
	return 0;

destroy_comp_wq:
	destroy_workqueue(foo_comp_wq);
out_unregister:
	foo_unregister();
	return ret;
}

static void __exit foo_exit(void)
{
	flush_scheduled_work();
	destroy_workqueue(foo_release_wq);
	destroy_workqueue(foo_comp_wq);
}

module_init(foo_init);
module_exit(foo_exit);
