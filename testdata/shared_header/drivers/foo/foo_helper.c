#include <linux/module.h>
#include "foo_core.h"

static struct work_struct helper_work;

void foo_helper_kick(void)
{
	foo_core_kick(&helper_work);
}
