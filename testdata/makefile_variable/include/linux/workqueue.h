#ifndef _LINUX_WORKQUEUE_H
#define _LINUX_WORKQUEUE_H
/* Just enough of the real header for localwq to recognise a kernel tree. */
struct workqueue_struct;
extern struct workqueue_struct *system_wq;
extern struct workqueue_struct *system_highpri_wq;
extern struct workqueue_struct *system_unbound_wq;
#endif
