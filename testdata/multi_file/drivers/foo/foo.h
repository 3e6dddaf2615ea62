#ifndef _FOO_H
#define _FOO_H

struct foo_dev {
	struct work_struct work;
};

void foo_dev_kick(struct foo_dev *dev);

/* Kernel macros the grammar does not know leave ERROR nodes. */
static DEFINE_PER_CPU(int, foo_count);

#endif /* _FOO_H */
