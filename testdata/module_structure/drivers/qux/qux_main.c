#include <linux/module.h>
#include "qux.h"

/* Every user of the workqueue is in qux_cm.c, built only with
 * CONFIG_QUX_CM: a call from init into it would not link without it. */
static int __init qux_init(void)
{
	int err;

	err = qux_register();
	if (err)
		return err;

	return 0;
}

static void __exit qux_exit(void)
{
	qux_unregister();
}

module_init(qux_init);
module_exit(qux_exit);
