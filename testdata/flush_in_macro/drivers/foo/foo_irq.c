#include "foo.h"

void foo_irq(void)
{
	FOO_KICK();
}
