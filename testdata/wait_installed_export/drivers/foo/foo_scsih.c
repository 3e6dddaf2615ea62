#include <linux/module.h>
#include <linux/workqueue.h>

/* A library of driver callbacks: it queues nothing itself, but its
 * exported suspend flushes system_wq, and a driver that installs it as
 * its .suspend queues its own work there. */
int foo_scsih_suspend(struct pci_dev *pdev, int state)
{
	flush_scheduled_work();
	return 0;
}
EXPORT_SYMBOL(foo_scsih_suspend);

void foo_scsih_remove(struct pci_dev *pdev)
{
}
EXPORT_SYMBOL(foo_scsih_remove);
