#ifndef _LINUX_WORKQUEUE_H
#define _LINUX_WORKQUEUE_H
/*
 * Just enough of Linux 6.1's header for localwq to recognise a kernel
 * tree and read its system workqueues (extern declarations), the one
 * schedule_*() acts on (their inline definitions), and the checked
 * flush macros 5.19 added in front of __flush_workqueue().
 */
struct workqueue_struct;
struct work_struct;
struct delayed_work;
extern struct workqueue_struct *system_wq;
extern struct workqueue_struct *system_highpri_wq;
extern struct workqueue_struct *system_long_wq;
extern struct workqueue_struct *system_unbound_wq;
extern struct workqueue_struct *system_freezable_wq;
extern struct workqueue_struct *system_power_efficient_wq;
extern struct workqueue_struct *system_freezable_power_efficient_wq;

extern void __flush_workqueue(struct workqueue_struct *wq);

static inline bool schedule_work_on(int cpu, struct work_struct *work)
{
	return queue_work_on(cpu, system_wq, work);
}

static inline bool schedule_work(struct work_struct *work)
{
	return queue_work(system_wq, work);
}

static inline bool schedule_delayed_work_on(int cpu, struct delayed_work *dwork,
					    unsigned long delay)
{
	return queue_delayed_work_on(cpu, system_wq, dwork, delay);
}

static inline bool schedule_delayed_work(struct delayed_work *dwork,
					 unsigned long delay)
{
	return queue_delayed_work(system_wq, dwork, delay);
}

extern void __warn_flushing_systemwide_wq(void)
	__compiletime_warning("Please avoid flushing system-wide workqueues.");

#define flush_scheduled_work()						\
({									\
	__warn_flushing_systemwide_wq();				\
	__flush_workqueue(system_wq);					\
})

#define flush_workqueue(wq)						\
({									\
	struct workqueue_struct *_wq = (wq);				\
									\
	if ((__builtin_constant_p(_wq == system_wq) &&			\
	     _wq == system_wq) ||					\
	    (__builtin_constant_p(_wq == system_long_wq) &&		\
	     _wq == system_long_wq))					\
		__warn_flushing_systemwide_wq();			\
	__flush_workqueue(_wq);						\
})
#endif
