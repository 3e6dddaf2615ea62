#ifndef QUX_H
#define QUX_H

#include <linux/workqueue.h>

struct qux_entry {
	struct delayed_work timeout;
};

int qux_register(void);
void qux_unregister(void);
void qux_cm_clean(struct qux_entry *entry);

#endif /* QUX_H */
