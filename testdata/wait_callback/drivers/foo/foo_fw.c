#include <linux/module.h>
#include <linux/workqueue.h>

/* A loader: queues work of its own that runs the caller's callback. */
typedef void (*foo_fw_cb_t)(void *context);

struct foo_fw_work {
	struct work_struct work;
	foo_fw_cb_t cont;
	void *context;
};

int foo_fw_load_nowait(void *context, foo_fw_cb_t cont)
{
	struct foo_fw_work *fw_work = kzalloc(sizeof(*fw_work), 0);

	fw_work->cont = cont;
	fw_work->context = context;
	schedule_work(&fw_work->work);
	return 0;
}
EXPORT_SYMBOL(foo_fw_load_nowait);

int foo_fw_load_pinned(struct module *module, void *context,
		       void (*cont)(void *context))
{
	struct foo_fw_work *fw_work = kzalloc(sizeof(*fw_work), 0);

	schedule_work(&fw_work->work);
	return 0;
}
EXPORT_SYMBOL(foo_fw_load_pinned);
