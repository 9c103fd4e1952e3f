// SPDX-License-Identifier: BSD-3-Clause
/*
 * file.c - the one way the library and its tool replace a file: write a
 * temporary file in the same directory, flush it to disk, rename it over
 * the destination, so that a reader sees the old file or the new one and
 * never a part. An existing file keeps its mode; a new one gets 0666 minus
 * the umask, as any plain create would. umask(2) is never called: it is
 * process-wide, and a library must not race its host's threads over it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* A fresh name beside @path, created with O_EXCL: the umask applies. */
static int open_temp(const char *path, char **tmp)
{
	const char *slash = strrchr(path, '/');
	int dlen = slash ? (int)(slash - path) + 1 : 0;
	const char *base = slash ? slash + 1 : path;
	int fd = -1;

	for (unsigned int i = 0; i < 100; i++) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		free(*tmp);
		if (asprintf(tmp, "%.*s.%s.%x%lx.tmp", dlen, path, base,
			     (unsigned int)getpid() ^ i,
			     (unsigned long)ts.tv_nsec) < 0) {
			*tmp = NULL;
			return -ENOMEM;
		}
		fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	return fd >= 0 ? fd : -errno;
}

/* Make the rename itself durable; a failure here loses nothing. */
static void sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path) + 1) : NULL;
	int fd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

PCL_EXPORT int pcl_file_replace(const char *path, pcl_write_fn write_fn,
				void *opaque)
{
	char *tmp = NULL;
	struct stat st;
	bool exists;
	FILE *f;
	int fd, ret;

	if (!path || !*path || !write_fn)
		return -EINVAL;
	exists = stat(path, &st) == 0;
	if (exists && S_ISDIR(st.st_mode))
		return -EISDIR;
	fd = open_temp(path, &tmp);
	if (fd < 0) {
		free(tmp);
		return fd;
	}
	ret = exists && fchmod(fd, st.st_mode & 07777) ? -errno : 0;
	f = ret ? NULL : fdopen(fd, "w");
	if (!f) {
		ret = ret ? ret : -errno;
		close(fd);
		goto fail;
	}
	ret = write_fn(f, opaque);
	if (!ret && (fflush(f) || ferror(f)))
		ret = -EIO;
	if (!ret && fsync(fileno(f)))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -EIO;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		goto fail;
	sync_dir(path);
	free(tmp);
	return 0;
fail:
	unlink(tmp);
	free(tmp);
	return ret < 0 ? ret : -EIO;
}
