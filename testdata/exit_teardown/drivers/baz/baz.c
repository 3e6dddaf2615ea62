#include <linux/module.h>
#include <linux/workqueue.h>

/* A release before a call that may still queue: no safe place. */
static char *baz_buf;

static void baz_fn(struct work_struct *work)
{
	baz_buf[0] = 0;
}
static DECLARE_WORK(baz_work, baz_fn);

void baz_kick(void)
{
	schedule_work(&baz_work);
}

static int __init baz_init(void)
{
	return baz_setup();
}

static void __exit baz_exit(void)
{
	kfree(baz_buf);
	misc_deregister(&baz_dev);
	flush_scheduled_work();
}

module_init(baz_init);
module_exit(baz_exit);
