#include "foo.h"

void foo_irq(void)
{
	foo_kick();
}
