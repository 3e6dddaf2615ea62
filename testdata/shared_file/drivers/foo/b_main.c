#include <linux/module.h>
#include "common.h"

static int __init foo_b_init(void)
{
	return 0;
}

static void __exit foo_b_exit(void)
{
}

module_init(foo_b_init);
module_exit(foo_b_exit);
