/* SPDX-License-Identifier: BSD-3-Clause */
/* Opening files and block devices for the uring and aio backends: O_DIRECT, size, create. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include "iopath/log.h"
#include "targets/backend/backend_internal.h"

/* Smallest offset alignment O_DIRECT accepts on this file (statx DIOALIGN), 512 if unknown. */
static uint32_t
file_dio_align(int fd)
{
#ifdef STATX_DIOALIGN
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) == 0 &&
	    (stx.stx_mask & STATX_DIOALIGN) && stx.stx_dio_offset_align > 512) {
		return stx.stx_dio_offset_align;
	}
#endif
	return 512;
}

static int
file_open_fd(const char *mod, const struct backend_file_opts *o, struct backend_file *f)
{
	int flags = O_RDWR | O_CLOEXEC | (o->create ? O_CREAT : 0);
	int fd = -1;

	f->direct = o->direct;
	if (o->direct) {
		fd = open(o->path, flags | O_DIRECT, 0644);
		if (fd < 0 && errno == EINVAL) {
			IOP_NOTICE("%s: %s: O_DIRECT refused by the file system, "
				   "using buffered I/O\n", mod, o->path);
			f->direct = false;
		}
	}
	if (fd < 0 && !f->direct) {
		fd = open(o->path, flags, 0644);
	}
	if (fd < 0) {
		int rc = -errno;

		if (rc == -ENOENT) {
			IOP_ERR("%s: %s: no such file (add create=1,size=N to create it)\n", mod,
				o->path);
		} else {
			IOP_ERR("%s: cannot open %s: %s\n", mod, o->path, strerror(-rc));
		}
		return rc;
	}
	f->fd = fd;
	return 0;
}

static int
file_size_bdev(const char *mod, const struct backend_file_opts *o, struct backend_file *f)
{
	uint64_t devsz = 0;
	int lbs = 0;

	if (ioctl(f->fd, BLKGETSIZE64, &devsz) < 0 || ioctl(f->fd, BLKSSZGET, &lbs) < 0) {
		int rc = -errno;

		IOP_ERR("%s: %s: cannot query the block device: %s\n", mod, o->path, strerror(-rc));
		return rc;
	}
	f->is_bdev = true;
	f->block_size = (uint32_t)lbs;
	if (o->size > devsz) {
		IOP_ERR("%s: %s: size=%llu is larger than the device (%llu bytes)\n", mod, o->path,
			(unsigned long long)o->size, (unsigned long long)devsz);
		return -EINVAL;
	}
	f->size = o->size ? o->size : devsz;
	return 0;
}

static int
file_size_reg(const char *mod, const struct backend_file_opts *o, struct backend_file *f,
	      uint64_t fsize)
{
	f->block_size = f->direct ? file_dio_align(f->fd) : 512;
	if (!o->size) {
		if (fsize == 0) {
			IOP_ERR("%s: %s: file is empty; give size=N (with create=1 to extend it)\n",
				mod, o->path);
			return -EINVAL;
		}
		f->size = fsize;
		return 0;
	}
	if (fsize < o->size) {
		if (!o->create) {
			IOP_ERR("%s: %s: file has %llu bytes, less than size=%llu "
				"(create=1 extends it)\n", mod, o->path, (unsigned long long)fsize,
				(unsigned long long)o->size);
			return -EINVAL;
		}
		if (ftruncate(f->fd, (off_t)o->size) < 0) {
			int rc = -errno;

			IOP_ERR("%s: %s: cannot extend to %llu bytes: %s\n", mod, o->path,
				(unsigned long long)o->size, strerror(-rc));
			return rc;
		}
	}
	f->size = o->size;
	return 0;
}

int
backend_file_open(const char *mod, const struct backend_file_opts *o, struct backend_file *f)
{
	struct stat st;
	bool existed;
	int rc;

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (!o->path || !o->path[0]) {
		IOP_ERR("%s: path= is required (a file or block device)\n", mod);
		return -EINVAL;
	}
	if (o->bs && !backend_bs_valid(o->bs)) {
		IOP_ERR("%s: bs=%llu must be 512 or 4096\n", mod, (unsigned long long)o->bs);
		return -EINVAL;
	}
	existed = access(o->path, F_OK) == 0;
	rc = file_open_fd(mod, o, f);
	if (rc) {
		return rc;
	}
	if (fstat(f->fd, &st) < 0) {
		rc = -errno;
		IOP_ERR("%s: cannot stat %s: %s\n", mod, o->path, strerror(-rc));
		goto out_close;
	}
	if (S_ISBLK(st.st_mode)) {
		rc = file_size_bdev(mod, o, f);
	} else if (S_ISREG(st.st_mode)) {
		rc = file_size_reg(mod, o, f, (uint64_t)st.st_size);
	} else {
		IOP_ERR("%s: %s is neither a regular file nor a block device\n", mod, o->path);
		rc = -EINVAL;
	}
	if (rc) {
		goto out_close;
	}
	if (o->bs) {
		if (o->bs < f->block_size) {
			IOP_ERR("%s: %s: bs=%llu is below the device's %u-byte alignment\n", mod,
				o->path, (unsigned long long)o->bs, f->block_size);
			rc = -EINVAL;
			goto out_close;
		}
		f->block_size = (uint32_t)o->bs;
	}
	if (o->size && o->size % f->block_size) {
		IOP_ERR("%s: size=%llu is not a multiple of the %u-byte block size\n", mod,
			(unsigned long long)o->size, f->block_size);
		rc = -EINVAL;
		goto out_close;
	}
	f->size -= f->size % f->block_size;
	if (f->size == 0) {
		IOP_ERR("%s: %s is smaller than one block\n", mod, o->path);
		rc = -EINVAL;
		goto out_close;
	}
	return 0;

out_close:
	close(f->fd);
	f->fd = -1;
	if (!existed) {
		unlink(o->path); /* do not leave an empty file created by create=1 behind */
	}
	return rc;
}

void
backend_file_info(const struct backend_file *f, struct iop_backend_info *info)
{
	info->size = f->size;
	info->block_size = f->block_size;
	info->write_zeroes = true;
	info->discard = true;
	info->volatile_cache = true;
}
