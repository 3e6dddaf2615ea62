// For benches/diff-vs-spatch.sh: Steps 4-5 of the 2022 announcement,
// every queueing call on the system workqueue moved onto the module's
// own workqueue, and the flush pointed at it.
@@
expression W;
@@
- schedule_work(W)
+ queue_work(local_wq, W)

@@
expression W, D;
@@
- schedule_delayed_work(W, D)
+ queue_delayed_work(local_wq, W, D)

@@
symbol system_wq;
expression W;
@@
- queue_work(system_wq, W)
+ queue_work(local_wq, W)

@@
symbol system_wq;
expression W, D;
@@
- queue_delayed_work(system_wq, W, D)
+ queue_delayed_work(local_wq, W, D)

@@
symbol system_wq;
expression W, D;
@@
- mod_delayed_work(system_wq, W, D)
+ mod_delayed_work(local_wq, W, D)

@@
@@
- flush_scheduled_work()
+ flush_workqueue(local_wq)

@@
symbol system_wq;
@@
- flush_workqueue(system_wq)
+ flush_workqueue(local_wq)
