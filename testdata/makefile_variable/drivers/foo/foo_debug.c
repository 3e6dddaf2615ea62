#include <linux/module.h>

int foo_debug_level;
