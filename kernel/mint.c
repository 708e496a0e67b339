// SPDX-License-Identifier: GPL-2.0
/*
 * mint: the region of memory shared by the kernels of a Mint machine, as a
 * character device that user space maps write-back cacheable, with a doorbell
 * to wake another node.
 *
 * Sources of the region:
 *  - a reserved physical range (phys=, size= module parameters; what a Mint
 *    machine sets aside with memmap=). The doorbell of a real Mint machine is
 *    an IPI to a core of the target node, which stock Linux cannot send to a
 *    core it does not own: that is the Mint kernel's part (see doc/design.md);
 *    without it this source has no doorbell and peers poll.
 *  - QEMU's ivshmem PCI device (1af4:1110): BAR2 is the region, BAR0 the
 *    registers (IVPosition is this node's doorbell address, Doorbell rings a
 *    peer), MSI-X vectors the incoming doorbells.
 *
 * The mapping is write-back: polling and copying on an uncached mapping is
 * orders of magnitude slower. So the kernel never maps the region itself (a
 * kernel mapping of another type would force user mappings to match it).
 */
#include <linux/cpu.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "mint-uapi.h"

#define IVSHMEM_VENDOR		0x1af4
#define IVSHMEM_DEVICE		0x1110
#define IVSHMEM_IVPOSITION	0x08
#define IVSHMEM_DOORBELL	0x0c
#define MINT_MAX_VECTORS	8

static unsigned long phys;
module_param(phys, ulong, 0444);
MODULE_PARM_DESC(phys, "physical address of a reserved region (with size=)");
static unsigned long size;
module_param(size, ulong, 0444);
MODULE_PARM_DESC(size, "bytes of the reserved region");

struct mint_dev {
	struct miscdevice misc;
	char name[16];
	phys_addr_t phys;
	resource_size_t size;
	enum mint_source source;
	void __iomem *regs;		/* ivshmem BAR0 */
	u32 bell;			/* IVPosition + 1, or 0 */
	int vectors;
	atomic64_t rung;		/* doorbells received */
	wait_queue_head_t wait;
	struct pci_dev *pdev;
	const char *state;
};

static struct mint_dev *reserved_dev;
static DEFINE_IDA(mint_ida);

struct mint_file {
	struct mint_dev *dev;
	u64 seen;			/* rung, when this file last read */
};

static int
mint_open(struct inode *inode, struct file *f)
{
	struct mint_dev *dev = container_of(f->private_data, struct mint_dev, misc);
	struct mint_file *mf = kzalloc(sizeof(*mf), GFP_KERNEL);

	if (!mf)
		return -ENOMEM;
	mf->dev = dev;
	mf->seen = atomic64_read(&dev->rung);
	f->private_data = mf;
	return 0;
}

static int
mint_release(struct inode *inode, struct file *f)
{
	kfree(f->private_data);
	return 0;
}

static int
mint_mmap(struct file *f, struct vm_area_struct *vma)
{
	struct mint_file *mf = f->private_data;
	struct mint_dev *dev = mf->dev;
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned long off = vma->vm_pgoff << PAGE_SHIFT;

	if (off >= dev->size || len > dev->size - off)
		return -EINVAL;
	/* write-back, as the region is memory; never uncached */
	vma->vm_flags |= VM_IO | VM_DONTEXPAND | VM_DONTDUMP;
	return remap_pfn_range(vma, vma->vm_start, (dev->phys + off) >> PAGE_SHIFT, len,
	    vma->vm_page_prot);
}

static ssize_t
mint_read(struct file *f, char __user *buf, size_t len, loff_t *pos)
{
	struct mint_file *mf = f->private_data;
	struct mint_dev *dev = mf->dev;
	u64 now, n;
	int rc;

	if (len < sizeof(u64))
		return -EINVAL;
	for (;;) {
		now = atomic64_read(&dev->rung);
		if (now != mf->seen)
			break;
		if (f->f_flags & O_NONBLOCK)
			return -EAGAIN;
		rc = wait_event_interruptible(dev->wait, atomic64_read(&dev->rung) != mf->seen);
		if (rc)
			return rc;
	}
	n = now - mf->seen;
	mf->seen = now;
	if (copy_to_user(buf, &n, sizeof(n)))
		return -EFAULT;
	return sizeof(n);
}

static __poll_t
mint_poll(struct file *f, poll_table *pt)
{
	struct mint_file *mf = f->private_data;

	poll_wait(f, &mf->dev->wait, pt);
	return atomic64_read(&mf->dev->rung) != mf->seen ? EPOLLIN | EPOLLRDNORM : 0;
}

static long
mint_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct mint_file *mf = f->private_data;
	struct mint_dev *dev = mf->dev;
	struct mint_info info;
	struct mint_bell ring;

	switch (cmd) {
	case MINT_IOC_INFO:
		memset(&info, 0, sizeof(info));
		info.phys = dev->phys;
		info.size = dev->size;
		info.source = dev->source;
		info.bell = dev->bell;
		info.vectors = dev->vectors;
		return copy_to_user((void __user *)arg, &info, sizeof(info)) ? -EFAULT : 0;
	case MINT_IOC_RING:
		if (copy_from_user(&ring, (void __user *)arg, sizeof(ring)))
			return -EFAULT;
		if (!dev->regs)
			return -EOPNOTSUPP;	/* no doorbell on this source: peers poll */
		if (ring.bell == 0 || ring.bell > 0x10000 || ring.vector >= 0x10000)
			return -EINVAL;
		writel(((ring.bell - 1) << 16) | ring.vector, dev->regs + IVSHMEM_DOORBELL);
		return 0;
	}
	return -ENOTTY;
}

static const struct file_operations mint_fops = {
	.owner = THIS_MODULE,
	.open = mint_open,
	.release = mint_release,
	.mmap = mint_mmap,
	.read = mint_read,
	.poll = mint_poll,
	.unlocked_ioctl = mint_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/* sysfs: base, size and state of the region, on the device */
static ssize_t
base_show(struct device *d, struct device_attribute *attr, char *buf)
{
	struct mint_dev *dev = dev_get_drvdata(d);

	return sysfs_emit(buf, "0x%llx\n", (unsigned long long)dev->phys);
}
static DEVICE_ATTR_RO(base);

static ssize_t
size_show(struct device *d, struct device_attribute *attr, char *buf)
{
	struct mint_dev *dev = dev_get_drvdata(d);

	return sysfs_emit(buf, "%llu\n", (unsigned long long)dev->size);
}
static DEVICE_ATTR_RO(size);

static ssize_t
state_show(struct device *d, struct device_attribute *attr, char *buf)
{
	struct mint_dev *dev = dev_get_drvdata(d);

	return sysfs_emit(buf, "%s %s bell %u vectors %d rung %lld\n", dev->state,
	    dev->source == MINT_SOURCE_IVSHMEM ? "ivshmem" : "reserved", dev->bell, dev->vectors,
	    (long long)atomic64_read(&dev->rung));
}
static DEVICE_ATTR_RO(state);

/*
 * cores: "cpu hwid" for every core present in this kernel, online or not.
 * The resource table names a core by its hardware id (x86: the local APIC
 * id), which every kernel of the machine agrees on; each kernel numbers its
 * cpus its own way (the core it booted on is its cpu 0), and an offline cpu
 * shows its id nowhere else in sysfs or /proc.
 */
static unsigned long
mint_hwid(unsigned int cpu)
{
#if defined(CONFIG_X86)
	return (unsigned long)cpu_physical_id(cpu);
#elif defined(CONFIG_ARM64)
	return (unsigned long)(cpu_logical_map(cpu) & MPIDR_HWID_BITMASK);
#else
	return cpu;
#endif
}

static ssize_t
cores_show(struct device *d, struct device_attribute *attr, char *buf)
{
	unsigned int cpu;
	char line[32];
	int at = 0, n;

	cpus_read_lock();
	for_each_present_cpu(cpu) {
		/* whole lines only: a page holds some 300, a cut line would lie */
		n = scnprintf(line, sizeof(line), "%u %lu\n", cpu, mint_hwid(cpu));
		if (at + n >= PAGE_SIZE)
			break;
		memcpy(buf + at, line, n);
		at += n;
	}
	cpus_read_unlock();
	return at;
}
static DEVICE_ATTR_RO(cores);

static struct attribute *mint_attrs[] = {
	&dev_attr_base.attr,
	&dev_attr_size.attr,
	&dev_attr_state.attr,
	&dev_attr_cores.attr,
	NULL,
};
ATTRIBUTE_GROUPS(mint);

static int
mint_register(struct mint_dev *dev, struct device *parent)
{
	int id = ida_alloc(&mint_ida, GFP_KERNEL), rc;

	if (id < 0)
		return id;
	snprintf(dev->name, sizeof(dev->name), MINT_DEV_PREFIX "%d", id);
	init_waitqueue_head(&dev->wait);
	dev->misc.minor = MISC_DYNAMIC_MINOR;
	dev->misc.name = dev->name;
	dev->misc.fops = &mint_fops;
	dev->misc.parent = parent;
	dev->misc.groups = mint_groups;
	dev->misc.mode = 0600;
	rc = misc_register(&dev->misc);
	if (rc) {
		ida_free(&mint_ida, id);
		return rc;
	}
	dev_set_drvdata(dev->misc.this_device, dev);
	dev->state = "ready";
	return 0;
}

static void
mint_unregister(struct mint_dev *dev)
{
	int id;

	misc_deregister(&dev->misc);
	if (sscanf(dev->name, MINT_DEV_PREFIX "%d", &id) == 1)
		ida_free(&mint_ida, id);
}

/* ---- ivshmem ---- */

static irqreturn_t
ivshmem_irq(int irq, void *arg)
{
	struct mint_dev *dev = arg;

	atomic64_inc(&dev->rung);
	wake_up_interruptible(&dev->wait);
	return IRQ_HANDLED;
}

static int
ivshmem_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct mint_dev *dev;
	int rc, n, i;

	dev = devm_kzalloc(&pdev->dev, sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;
	/* without bus mastering the MSI-X writes are DMA that QEMU drops: no doorbell */
	pci_set_master(pdev);
	rc = pcim_iomap_regions(pdev, BIT(0), KBUILD_MODNAME);
	if (rc)
		return rc;
	dev->regs = pcim_iomap_table(pdev)[0];
	dev->pdev = pdev;
	dev->source = MINT_SOURCE_IVSHMEM;
	dev->phys = pci_resource_start(pdev, 2);
	dev->size = pci_resource_len(pdev, 2);
	if (!dev->size) {
		dev_err(&pdev->dev, "no BAR2: not an ivshmem device with memory\n");
		return -ENODEV;
	}
	n = pci_alloc_irq_vectors(pdev, 1, MINT_MAX_VECTORS, PCI_IRQ_MSIX);
	if (n > 0) {
		for (i = 0; i < n; i++) {
			rc = devm_request_irq(&pdev->dev, pci_irq_vector(pdev, i), ivshmem_irq, 0,
			    KBUILD_MODNAME, dev);
			if (rc)
				goto err_vectors;
		}
		dev->vectors = n;
		dev->bell = readl(dev->regs + IVSHMEM_IVPOSITION) + 1;
	} else {
		dev_info(&pdev->dev, "no MSI-X (ivshmem-plain?): no doorbell, peers poll\n");
	}
	rc = mint_register(dev, &pdev->dev);
	if (rc)
		goto err_vectors;
	pci_set_drvdata(pdev, dev);
	dev_info(&pdev->dev, "%s: region 0x%llx+%llu, bell %u, %d vectors\n", dev->name,
	    (unsigned long long)dev->phys, (unsigned long long)dev->size, dev->bell, dev->vectors);
	return 0;

err_vectors:
	if (n > 0) {
		for (i = 0; i < n; i++)
			devm_free_irq(&pdev->dev, pci_irq_vector(pdev, i), dev);
		pci_free_irq_vectors(pdev);
	}
	return rc;
}

static void
ivshmem_remove(struct pci_dev *pdev)
{
	struct mint_dev *dev = pci_get_drvdata(pdev);
	int i;

	mint_unregister(dev);
	for (i = 0; i < dev->vectors; i++)
		devm_free_irq(&pdev->dev, pci_irq_vector(pdev, i), dev);
	if (dev->vectors)
		pci_free_irq_vectors(pdev);
}

static const struct pci_device_id ivshmem_ids[] = {
	{ PCI_DEVICE(IVSHMEM_VENDOR, IVSHMEM_DEVICE) },
	{ 0 }
};
MODULE_DEVICE_TABLE(pci, ivshmem_ids);

static struct pci_driver ivshmem_driver = {
	.name = KBUILD_MODNAME,
	.id_table = ivshmem_ids,
	.probe = ivshmem_probe,
	.remove = ivshmem_remove,
};

/* ---- a reserved range ---- */

static int
reserved_init(void)
{
	struct mint_dev *dev;
	int rc;

	if (!phys && !size)
		return 0;
	if (!size || !PAGE_ALIGNED(phys) || !PAGE_ALIGNED(size)) {
		pr_err("mint: phys=0x%lx size=%lu: both needed, page aligned\n", phys, size);
		return -EINVAL;
	}
	/* memory the kernel uses as RAM is not a region: memmap= must have reserved it */
	if (page_is_ram(PHYS_PFN(phys))) {
		pr_err("mint: 0x%lx is RAM this kernel uses; reserve it with memmap=SIZE$0x%lx\n",
		    phys, phys);
		return -EBUSY;
	}
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	dev->source = MINT_SOURCE_RESERVED;
	dev->phys = phys;
	dev->size = size;
	rc = mint_register(dev, NULL);
	if (rc) {
		kfree(dev);
		return rc;
	}
	reserved_dev = dev;
	pr_info("mint: %s: reserved region 0x%lx+%lu (no doorbell: peers poll)\n", dev->name,
	    phys, size);
	return 0;
}

static int __init
mint_init(void)
{
	int rc;

	rc = reserved_init();
	if (rc)
		goto err;
	rc = pci_register_driver(&ivshmem_driver);
	if (rc)
		goto err_reserved;
	return 0;

err_reserved:
	if (reserved_dev) {
		mint_unregister(reserved_dev);
		kfree(reserved_dev);
	}
err:
	return rc;
}

static void __exit
mint_exit(void)
{
	pci_unregister_driver(&ivshmem_driver);
	if (reserved_dev) {
		mint_unregister(reserved_dev);
		kfree(reserved_dev);
	}
}

module_init(mint_init);
module_exit(mint_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mint: the shared region of a Mint machine, with doorbells");
