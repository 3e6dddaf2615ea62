#include <linux/module.h>
#include "baz.h"

/* Every user of the workqueue is in baz_cm.c, which has no init or exit
 * helper of its own: new ones there keep the workqueue static in it. */
static int __init baz_init(void)
{
	int err;

	err = baz_register();
	if (err)
		return err;

	return 0;
}

static void __exit baz_exit(void)
{
	baz_unregister();
}

module_init(baz_init);
module_exit(baz_exit);
