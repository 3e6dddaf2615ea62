#include <linux/module.h>
#include <linux/workqueue.h>

struct foo_spi_work {
	struct work_struct work;
};

static void foo_spi_dv(struct foo_spi_work *wqw)
{
	schedule_work(&wqw->work);
}

static struct pci_driver foo_spi_driver = {
	.remove		= foo_scsih_remove,
	.suspend	= foo_scsih_suspend,
};

static int __init foo_spi_init(void)
{
	return pci_register_driver(&foo_spi_driver);
}

static void __exit foo_spi_exit(void)
{
	pci_unregister_driver(&foo_spi_driver);
}

module_init(foo_spi_init);
module_exit(foo_spi_exit);
