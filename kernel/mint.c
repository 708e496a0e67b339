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
 * orders of magnitude slower. The module maps the region write-back itself
 * (memremap): that reserves the write-back memory type, which the user
 * mappings, filled page by page on fault, then take (x86 PAT gives a page
 * inserted without a reservation uncached-minus).
 *
 * A region can go while files are open (a PCI unbind, an unplug): the state
 * of a region is reference counted, one reference per open file; remove
 * marks it gone, wakes the sleepers, zaps every user mapping (all files of a
 * region share one address_space, an anonymous inode's), so later accesses
 * get SIGBUS and every later operation on an open file -ENODEV.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpu.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/pseudo_fs.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/version.h>
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

#define MINT_FS_MAGIC		0x6d696e74	/* "mint" */

struct mint_dev {
	struct kref ref;		/* the device's (until remove) + one per open file */
	struct miscdevice misc;
	char name[16];
	int id;				/* in mint_ida while registered, else -1 */
	phys_addr_t phys;
	resource_size_t size;
	void *wb;			/* memremap: holds the write-back memory type */
	struct inode *inode;		/* its i_mapping: every file's, so remove zaps all */
	enum mint_source source;
	void __iomem *regs;		/* ivshmem BAR0 */
	u32 bell;			/* IVPosition + 1, or 0 */
	int vectors;			/* interrupts requested */
	atomic64_t rung;		/* doorbells received */
	wait_queue_head_t wait;
	struct rw_semaphore lock;	/* gone, against mmap, fault and ring */
	bool gone;			/* removed: files say -ENODEV */
	struct pci_dev *pdev;
	const char *state;
};

static struct mint_dev *reserved_dev;
static DEFINE_IDA(mint_ida);
static struct vfsmount *mint_mnt;	/* the anonymous inodes' file system */

struct mint_file {
	struct mint_dev *dev;
	atomic64_t seen;		/* rung, when this file last read */
};

static int
mint_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, MINT_FS_MAGIC) ? 0 : -ENOMEM;
}

/* no .owner: mounted from init to exit, a module reference would forbid rmmod */
static struct file_system_type mint_fs_type = {
	.name = "mint_region",
	.init_fs_context = mint_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

static void
mint_free(struct kref *ref)
{
	struct mint_dev *dev = container_of(ref, struct mint_dev, ref);

	if (dev->inode)
		iput(dev->inode);
	if (dev->wb)
		memunmap(dev->wb);
	kfree(dev);
}

static void
mint_put(struct mint_dev *dev)
{
	kref_put(&dev->ref, mint_free);
}

/* mint_alloc: a region's state, all of it ready before any interrupt can reach it */
static struct mint_dev *
mint_alloc(enum mint_source source, phys_addr_t base, resource_size_t len)
{
	struct mint_dev *dev = kzalloc(sizeof(*dev), GFP_KERNEL);

	if (!dev)
		return ERR_PTR(-ENOMEM);
	kref_init(&dev->ref);
	init_waitqueue_head(&dev->wait);
	init_rwsem(&dev->lock);
	dev->id = -1;
	dev->source = source;
	dev->phys = base;
	dev->size = len;
	dev->inode = alloc_anon_inode(mint_mnt->mnt_sb);
	if (IS_ERR(dev->inode)) {
		long rc = PTR_ERR(dev->inode);

		dev->inode = NULL;
		mint_put(dev);
		return ERR_PTR(rc);
	}
	dev->wb = memremap(base, len, MEMREMAP_WB);
	if (!dev->wb) {
		mint_put(dev);
		return ERR_PTR(-ENOMEM);
	}
	return dev;
}

static int
mint_open(struct inode *inode, struct file *f)
{
	/* misc_open holds misc_mtx: remove's misc_deregister waits for this */
	struct mint_dev *dev = container_of(f->private_data, struct mint_dev, misc);
	struct mint_file *mf = kzalloc(sizeof(*mf), GFP_KERNEL);

	if (!mf)
		return -ENOMEM;
	kref_get(&dev->ref);
	mf->dev = dev;
	atomic64_set(&mf->seen, atomic64_read(&dev->rung));
	f->private_data = mf;
	/* one address_space for all files of the region: remove zaps them all */
	f->f_mapping = dev->inode->i_mapping;
	return 0;
}

static int
mint_release(struct inode *inode, struct file *f)
{
	struct mint_file *mf = f->private_data;

	mint_put(mf->dev);
	kfree(mf);
	return 0;
}

/*
 * Pages are inserted on fault, not all at mmap: a mapping made while the
 * region goes is then linked where remove's zap finds it before it has any.
 */
static vm_fault_t
mint_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct mint_dev *dev = ((struct mint_file *)vma->vm_file->private_data)->dev;
	unsigned long off = vmf->pgoff << PAGE_SHIFT;
	vm_fault_t ret;

	down_read(&dev->lock);
	if (dev->gone || off >= dev->size)
		ret = VM_FAULT_SIGBUS;
	else
		ret = vmf_insert_pfn(vma, vmf->address, PHYS_PFN(dev->phys + off));
	up_read(&dev->lock);
	return ret;
}

static const struct vm_operations_struct mint_vm_ops = {
	.fault = mint_fault,
};

static int
mint_mmap(struct file *f, struct vm_area_struct *vma)
{
	struct mint_file *mf = f->private_data;
	struct mint_dev *dev = mf->dev;
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned long off = vma->vm_pgoff << PAGE_SHIFT;

	int rc = 0;

	/*
	 * a private mapping of shared memory means nothing (and a COW pfn map is a
	 * bug); MAYSHARE, as MAP_SHARED of a read-only file has no VM_SHARED
	 */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	down_read(&dev->lock);
	if (dev->gone)
		rc = -ENODEV;
	else if (off >= dev->size || len > dev->size - off)
		rc = -EINVAL;
	up_read(&dev->lock);
	if (rc)
		return rc;
	/* write-back, as the region is memory (memremap reserved the type); never uncached */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
#endif
	vma->vm_ops = &mint_vm_ops;
	return 0;
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
		if (READ_ONCE(dev->gone))
			return -ENODEV;
		now = atomic64_read(&dev->rung);
		/* two readers of one file: each doorbell counted by one of them */
		n = now - atomic64_xchg(&mf->seen, now);
		if (n)
			break;
		if (f->f_flags & O_NONBLOCK)
			return -EAGAIN;
		rc = wait_event_interruptible(dev->wait, READ_ONCE(dev->gone) ||
		    atomic64_read(&dev->rung) != atomic64_read(&mf->seen));
		if (rc)
			return rc;
	}
	if (copy_to_user(buf, &n, sizeof(n)))
		return -EFAULT;
	return sizeof(n);
}

static __poll_t
mint_poll(struct file *f, poll_table *pt)
{
	struct mint_file *mf = f->private_data;
	struct mint_dev *dev = mf->dev;

	poll_wait(f, &dev->wait, pt);
	if (READ_ONCE(dev->gone))
		return EPOLLERR | EPOLLHUP;
	return atomic64_read(&dev->rung) != atomic64_read(&mf->seen) ? EPOLLIN | EPOLLRDNORM : 0;
}

static long
mint_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct mint_file *mf = f->private_data;
	struct mint_dev *dev = mf->dev;
	struct mint_info info;
	struct mint_bell ring;
	long rc = 0;

	switch (cmd) {
	case MINT_IOC_INFO:
		if (READ_ONCE(dev->gone))
			return -ENODEV;
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
		/* the registers are unmapped once remove returns: ring under the lock */
		down_read(&dev->lock);
		if (dev->gone)
			rc = -ENODEV;
		else if (!dev->regs)
			rc = -EOPNOTSUPP;	/* no doorbell on this source: peers poll */
		else if (ring.bell == 0 || ring.bell > 0x10000 || ring.vector >= 0x10000)
			rc = -EINVAL;
		else
			writel(((ring.bell - 1) << 16) | ring.vector, dev->regs + IVSHMEM_DOORBELL);
		up_read(&dev->lock);
		return rc;
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
	dev->misc.minor = MISC_DYNAMIC_MINOR;
	dev->misc.name = dev->name;
	dev->misc.fops = &mint_fops;
	dev->misc.parent = parent;
	dev->misc.groups = mint_groups;
	dev->misc.mode = 0600;
	dev->state = "ready";
	rc = misc_register(&dev->misc);
	if (rc) {
		ida_free(&mint_ida, id);
		return rc;
	}
	dev->id = id;
	dev_set_drvdata(dev->misc.this_device, dev);
	return 0;
}

/*
 * mint_unregister: no new opens; the open files get -ENODEV and their
 * mappings SIGBUS. The caller then stops what may still touch the device
 * (interrupts) and drops the device's reference.
 */
static void
mint_unregister(struct mint_dev *dev)
{
	if (dev->id >= 0) {
		misc_deregister(&dev->misc);
		ida_free(&mint_ida, dev->id);
		dev->id = -1;
	}
	down_write(&dev->lock);
	WRITE_ONCE(dev->gone, true);	/* read unlocked by read and poll */
	dev->state = "gone";
	up_write(&dev->lock);
	wake_up_all(&dev->wait);
	/* faults after this see gone: SIGBUS; the region may be reassigned */
	unmap_mapping_range(dev->inode->i_mapping, 0, 0, 1);
	/* nor does the kernel keep a mapping of what may become another device's */
	memunmap(dev->wb);
	dev->wb = NULL;
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

static void
ivshmem_free_irqs(struct pci_dev *pdev, struct mint_dev *dev, int requested)
{
	int i;

	for (i = 0; i < requested; i++)
		free_irq(pci_irq_vector(pdev, i), dev);
	pci_free_irq_vectors(pdev);
}

static int
ivshmem_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct mint_dev *dev;
	void __iomem *regs;
	int rc, n, i;

	rc = pcim_enable_device(pdev);
	if (rc)
		return rc;
	/* without bus mastering the MSI-X writes are DMA that QEMU drops: no doorbell */
	pci_set_master(pdev);
	rc = pcim_iomap_regions(pdev, BIT(0), KBUILD_MODNAME);
	if (rc)
		return rc;
	regs = pcim_iomap_table(pdev)[0];
	if (!pci_resource_len(pdev, 2)) {
		dev_err(&pdev->dev, "no BAR2: not an ivshmem device with memory\n");
		return -ENODEV;
	}
	/* not devm: open files keep it after remove */
	dev = mint_alloc(MINT_SOURCE_IVSHMEM, pci_resource_start(pdev, 2),
	    pci_resource_len(pdev, 2));
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	dev->regs = regs;
	dev->pdev = pdev;
	/* the wait queue the handler wakes is ready (mint_alloc) */
	n = pci_alloc_irq_vectors(pdev, 1, MINT_MAX_VECTORS, PCI_IRQ_MSIX);
	if (n > 0) {
		for (i = 0; i < n; i++) {
			rc = request_irq(pci_irq_vector(pdev, i), ivshmem_irq, 0, KBUILD_MODNAME, dev);
			if (rc) {
				ivshmem_free_irqs(pdev, dev, i);	/* only those requested */
				goto err_dev;
			}
		}
		dev->vectors = n;
		dev->bell = readl(dev->regs + IVSHMEM_IVPOSITION) + 1;
	} else {
		dev_info(&pdev->dev, "no MSI-X (ivshmem-plain?): no doorbell, peers poll\n");
	}
	rc = mint_register(dev, &pdev->dev);
	if (rc)
		goto err_irqs;
	pci_set_drvdata(pdev, dev);
	dev_info(&pdev->dev, "%s: region 0x%llx+%llu, bell %u, %d vectors\n", dev->name,
	    (unsigned long long)dev->phys, (unsigned long long)dev->size, dev->bell, dev->vectors);
	return 0;

err_irqs:
	if (dev->vectors)
		ivshmem_free_irqs(pdev, dev, dev->vectors);
err_dev:
	mint_put(dev);
	return rc;
}

/* the PCI device goes (unbind, unplug); its files stay, saying -ENODEV */
static void
ivshmem_remove(struct pci_dev *pdev)
{
	struct mint_dev *dev = pci_get_drvdata(pdev);

	mint_unregister(dev);
	/* free_irq waits for a running handler: none runs after this */
	if (dev->vectors)
		ivshmem_free_irqs(pdev, dev, dev->vectors);
	dev->regs = NULL;	/* pcim unmaps BAR0 once this returns */
	dev->pdev = NULL;
	pci_set_drvdata(pdev, NULL);
	mint_put(dev);
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
		pr_err("phys=0x%lx size=%lu: both needed, page aligned\n", phys, size);
		return -EINVAL;
	}
	if (phys + size - 1 < phys) {
		pr_err("phys=0x%lx size=%lu: past the end of the address space\n", phys, size);
		return -EINVAL;
	}
	/*
	 * Memory the kernel uses as RAM is not a region: memmap= must have
	 * reserved all of it (a range only partly RAM is refused too).
	 */
	if (region_intersects(phys, size, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE) !=
	    REGION_DISJOINT) {
		pr_err("0x%lx+%lu is (partly) RAM this kernel uses; reserve it with memmap=%lu$0x%lx\n",
		    phys, size, size, phys);
		return -EBUSY;
	}
	dev = mint_alloc(MINT_SOURCE_RESERVED, phys, size);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	rc = mint_register(dev, NULL);
	if (rc) {
		mint_put(dev);
		return rc;
	}
	reserved_dev = dev;
	pr_info("%s: reserved region 0x%lx+%lu (no doorbell: peers poll)\n", dev->name,
	    phys, size);
	return 0;
}

static void
reserved_exit(void)
{
	if (reserved_dev) {
		mint_unregister(reserved_dev);
		mint_put(reserved_dev);
		reserved_dev = NULL;
	}
}

static int __init
mint_init(void)
{
	int rc;

	mint_mnt = kern_mount(&mint_fs_type);
	if (IS_ERR(mint_mnt))
		return PTR_ERR(mint_mnt);
	rc = reserved_init();
	if (rc)
		goto err_mount;
	rc = pci_register_driver(&ivshmem_driver);
	if (rc)
		goto err_reserved;
	return 0;

err_reserved:
	reserved_exit();
err_mount:
	kern_unmount(mint_mnt);
	return rc;
}

/* no file is open (each holds the module): every region's state is freed by now */
static void __exit
mint_exit(void)
{
	pci_unregister_driver(&ivshmem_driver);
	reserved_exit();
	kern_unmount(mint_mnt);
}

module_init(mint_init);
module_exit(mint_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("mint: the shared region of a Mint machine, with doorbells");
