#ifndef _BAR_DEF_H
#define _BAR_DEF_H

struct bar_dev {
	struct work_struct work;
};

#include "bar_gbl.h"

#endif /* _BAR_DEF_H */
