#include <linux/module.h>
#include "foo.h"

/*
 * Every user of the workqueue is in foo-smbus.c, built only with
 * CONFIG_FOO_SMBUS, whose own init/exit helpers foo_init() and foo_exit()
 * call: the workqueue lives there, static.
 */
static int __init foo_init(void)
{
	int err;

	err = foo_smbus_module_init();
	if (err)
		return err;

	err = foo_register();
	if (err)
		goto err_smbus_exit;

	return 0;

err_smbus_exit:
	foo_smbus_module_exit();
	return err;
}

static void __exit foo_exit(void)
{
	foo_unregister();
	foo_smbus_module_exit();
}

module_init(foo_init);
module_exit(foo_exit);
