#ifndef _FOO_H
#define _FOO_H

struct foo_dev {
	struct work_struct work;
};

void foo_dev_kick(struct foo_dev *dev);

#endif /* _FOO_H */
