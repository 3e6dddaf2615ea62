#ifndef BAZ_H
#define BAZ_H

#include <linux/workqueue.h>

struct baz_entry {
	struct delayed_work timeout;
};

int baz_register(void);
void baz_unregister(void);
void baz_cm_clean(struct baz_entry *entry);

#endif /* BAZ_H */
