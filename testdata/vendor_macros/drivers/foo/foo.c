#include <linux/module.h>
#include <linux/workqueue.h>

#define FOO_TRACE_ENTRY() pr_debug("%s enter\n", __func__);
#define FOO_API
#define FOO_IRQ_HANDLER(name) irqreturn_t name(int irq, void *dev_id)

struct foo_dev {
	struct work_struct work;
};

static struct foo_dev foo_dev;

static void foo_fn(struct work_struct *work)
{
	FOO_TRACE_ENTRY()
}

/* The handler's signature changed in 2.6.20. */
static irqreturn_t
#if LINUX_VERSION_CODE < KERNEL_VERSION(2, 6, 20)
foo_isr(int irq, void *dev_id, struct pt_regs *regs)
#else
foo_isr(int irq, void *dev_id)
#endif
{
	FOO_TRACE_ENTRY()
	schedule_work(&foo_dev.work);
	return IRQ_HANDLED;
}

FOO_IRQ_HANDLER(foo_other_isr)
{
	schedule_work(&foo_dev.work);
	return IRQ_HANDLED;
}

FOO_API int foo_start(void)
{
	FOO_TRACE_ENTRY()
	schedule_work(&foo_dev.work);
	return 0;
}

static int __init foo_init(void)
{
	INIT_WORK(&foo_dev.work, foo_fn);
	return 0;
}

static void __exit foo_exit(void)
{
	FOO_TRACE_ENTRY()
	flush_scheduled_work();
}

module_init(foo_init);
module_exit(foo_exit);
