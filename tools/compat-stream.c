// SPDX-License-Identifier: BSD-3-Clause
/*
 * compat-stream.c - SOURCE... / DIR arguments streamed into a unify or
 * survey pool, read and analysed by several threads.
 *
 * A host's cost is reading its file, parsing it and analysing it
 * (pcl_fleet_host_new(): walk, map, class key); adding it to the pool is a
 * lookup. So the inputs are cut into jobs of a few files, the threads -
 * the calling one among them - read and analyse jobs in any order, and
 * the calling thread alone hands them to the pool, reports what could not
 * be read and warns about what was skipped, strictly in the order of the
 * arguments and of the directory listings. Every output is therefore the
 * same whatever the number of threads, and with one thread all of it
 * happens in the calling thread, in order.
 *
 * Memory is bounded: at most RING_JOBS(threads) jobs of JOB_ITEMS inputs
 * are in flight; a directory is listed once (pcl_dir_list()) and its
 * entries are queued as jobs free up.
 *
 * A file is read as cli_sources_load() reads it (cli_read_small_fd(),
 * cli_sources_parse()), but into a buffer each thread keeps, opened
 * relative to its directory; anything that path does not take (a bundle,
 * a file that is not regular or over 1 MiB, any error) is read by
 * cli_sources_load() itself, so every message is the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "compat-cli.h"

/*
 * Inputs a job holds: enough that a job's locking is noise (a host takes
 * ~15 us). Jobs in flight: 4 a thread, ~1 ms of work, so that the readers
 * still have work while the calling thread waits to be scheduled on a
 * busy machine; ~10 KiB a host in flight, ~0.6 MiB a thread, and with
 * its heap ~3.5 MiB (BENCHMARKS.md: peak RSS for 1 to 8 threads).
 */
#define JOB_ITEMS 16
#define RING_JOBS(threads) (4 * (threads))

enum item_kind {
	ITEM_FILE,	/* a file to read */
	ITEM_SKIP_DIR,	/* a directory the lister did not descend */
	ITEM_SKIP,	/* not a regular file */
	ITEM_DIR_ERROR,	/* a directory that cannot be listed: fatal */
};

/* One function of a file, analysed. */
struct item_host {
	struct pcl_fleet_host *h;
	char *name;
	int err;	/* -errno of pcl_fleet_host_new() */
};

/* One input, as the reader left it for the collector. */
struct item {
	enum item_kind kind;
	char *path;		/* owned */
	int err;		/* ITEM_DIR_ERROR: -errno */
	bool loaded;		/* standard input: read by the producer */
	int r;			/* cli_sources_load(): 0 or -1 */
	struct pcl_error perr;	/* why it could not be read */
	struct cli_sources s;
	struct item_host *hosts;
	size_t n_hosts;
};

struct job {
	struct item items[JOB_ITEMS];
	size_t n;
	bool done;
};

/*
 * What a reading thread keeps from file to file: its buffer, and the
 * directory of the last file it opened (a fleet's files come a directory
 * at a time), so that a file is opened by its name in that directory
 * rather than walking its whole path again.
 */
struct reader_ctx {
	char *buf;
	size_t cap;
	char *dir;	/* the directory @dirfd is, or NULL */
	int dirfd;
};

/* Where the next inputs come from: the arguments, then one listing. */
struct producer {
	char **args;
	int n, next_arg;
	struct pcl_dir_entry *e;
	size_t n_e, next_e;
	bool failed;		/* a directory could not be listed */
};

struct stream {
	const struct ccli_pool *pool;
	struct producer prod;
	struct job *ring;
	size_t ring_n;
	/* Job sequence numbers, consumed <= claim_next <= produced: the next
	 * to hand over, to read, to fill; job seq is ring[seq % ring_n]. */
	size_t produced, claim_next, consumed;
	bool stop;
	unsigned int idle;	/* readers waiting for a job */
	const struct job *awaited; /* the job the calling thread waits for */
	pthread_mutex_t lock;
	pthread_cond_t work;	/* a job to claim, or stop */
	pthread_cond_t done;	/* a job finished */
	pthread_t *workers;
	unsigned int n_workers;
	struct reader_ctx rc;	/* the calling thread's */
};

static void item_clear(struct item *it)
{
	for (size_t i = 0; i < it->n_hosts; i++) {
		pcl_fleet_host_free(it->hosts[i].h);
		free(it->hosts[i].name);
	}
	free(it->hosts);
	cli_sources_free(&it->s);
	free(it->path);
	memset(it, 0, sizeof(*it));
}

/*
 * The name a function is reported under, as the tool always named it:
 * the file's for its one function, else the file's and the slot's (or
 * its place in the file). Made without printf: it is once a host.
 */
static char *host_name(const char *path, size_t count, size_t i,
		       const struct pcl_cfg *cfg)
{
	const char *slot = pcl_cfg_slot(cfg);
	char *name = NULL;
	size_t pl = path ? strlen(path) : 0, sl;

	if (count == 1 && path)
		return strdup(path);
	if (!slot) {
		if (asprintf(&name, "%s#%zu", path ? path : "(null)", i + 1) < 0)
			return NULL;
		return name;
	}
	sl = strlen(slot);
	name = malloc(pl + 1 + sl + 1);
	if (!name)
		return NULL;
	memcpy(name, path ? path : "", pl);
	if (path)
		name[pl++] = ':';
	memcpy(name + pl, slot, sl + 1);
	return name;
}

/* Analyse the functions of @s, which it gives up, into @it. */
static void analyse(struct item *it, struct cli_sources *s, const char *path,
		    const struct pcl_quirks *quirks)
{
	it->hosts = calloc(s->count ? s->count : 1, sizeof(*it->hosts));
	if (!it->hosts) {
		it->r = -1; /* out of memory: an empty message */
		cli_sources_free(s);
		return;
	}
	it->n_hosts = s->count;
	for (size_t i = 0; i < s->count; i++) {
		struct item_host *ih = &it->hosts[i];

		ih->name = host_name(path, s->count, i, s->cfgs[i]);
		ih->h = pcl_fleet_host_new(s->cfgs[i], quirks);
		s->cfgs[i] = NULL;
		if (!ih->h)
			ih->err = -errno;
		else if (!ih->name)
			ih->err = -ENOMEM;
	}
	cli_sources_free(s);
}

static void reader_ctx_init(struct reader_ctx *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->dirfd = -1;
}

static void reader_ctx_fini(struct reader_ctx *rc)
{
	if (rc->dirfd >= 0)
		close(rc->dirfd);
	free(rc->dir);
	free(rc->buf);
	reader_ctx_init(rc);
}

/*
 * @path opened read-only: by its last name relative to the directory
 * before it, which @rc keeps open from one file to the next. -1 when it
 * cannot be opened (the caller then reads it the ordinary way).
 */
static int open_in_dir(struct reader_ctx *rc, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t dl;

	if (!slash || !slash[1])
		return open(path, O_RDONLY | O_CLOEXEC);
	dl = slash == path ? 1 : (size_t)(slash - path); /* "/x": "/" */
	if (!rc->dir || strlen(rc->dir) != dl || memcmp(rc->dir, path, dl)) {
		if (rc->dirfd >= 0)
			close(rc->dirfd);
		free(rc->dir);
		rc->dir = strndup(path, dl);
		rc->dirfd = rc->dir ? open(rc->dir, O_PATH | O_DIRECTORY |
							    O_CLOEXEC) : -1;
		if (rc->dirfd < 0) {
			free(rc->dir);
			rc->dir = NULL;
		}
	}
	if (rc->dirfd < 0)
		return open(path, O_RDONLY | O_CLOEXEC);
	return openat(rc->dirfd, slash + 1, O_RDONLY | O_CLOEXEC);
}

/* Read and analyse @it: a reader thread's part. No output here. */
static void read_item(struct item *it, const struct pcl_quirks *quirks,
		      struct reader_ctx *rc)
{
	size_t len;

	if (it->kind != ITEM_FILE)
		return;
	if (!it->loaded) {
		it->perr = (struct pcl_error){ .offset = -1 };
		if (strcmp(it->path, "-") != 0 &&
		    cli_read_small_fd(open_in_dir(rc, it->path), &rc->buf,
				      &rc->cap, &len) &&
		    !bundle_sniff(rc->buf, len))
			it->r = cli_sources_parse(&it->s, it->path, rc->buf,
						  len, &it->perr);
		else
			it->r = cli_sources_load(&it->s, it->path, &it->perr);
	}
	if (it->r == 0)
		analyse(it, &it->s, it->path, quirks);
}

static void read_job(struct stream *st, struct job *j, struct reader_ctx *rc)
{
	for (size_t i = 0; i < j->n; i++)
		read_item(&j->items[i], st->pool->quirks, rc);
}

/* The oldest job not yet claimed, claimed; NULL when there is none. */
static struct job *claim(struct stream *st)
{
	if (st->claim_next == st->produced)
		return NULL;
	return &st->ring[st->claim_next++ % st->ring_n];
}

static void *worker(void *opaque)
{
	struct stream *st = opaque;
	struct reader_ctx rc;

	reader_ctx_init(&rc);
	pthread_mutex_lock(&st->lock);
	while (!st->stop) {
		struct job *j = claim(st);

		if (!j) {
			st->idle++;
			pthread_cond_wait(&st->work, &st->lock);
			st->idle--;
			continue;
		}
		pthread_mutex_unlock(&st->lock);
		read_job(st, j, &rc);
		pthread_mutex_lock(&st->lock);
		j->done = true;
		if (j == st->awaited)
			pthread_cond_signal(&st->done);
	}
	pthread_mutex_unlock(&st->lock);
	reader_ctx_fini(&rc);
	return NULL;
}

/*
 * The next argument into @it; a directory's entries go to p->e, and @it is
 * left empty for produce_item() to fill from them. false at the end.
 */
static bool next_arg(struct producer *p, struct item *it)
{
	struct stat st;
	int r;

	if (p->failed || p->next_arg == p->n)
		return false;
	it->kind = ITEM_FILE;
	it->path = strdup(p->args[p->next_arg++]);
	if (!it->path) {
		it->kind = ITEM_DIR_ERROR;
		it->err = -ENOMEM;
		p->failed = true;
	} else if (strcmp(it->path, "-") && stat(it->path, &st) == 0 &&
		   S_ISDIR(st.st_mode)) {
		/* Every regular file under it, subdirectories included (a
		 * host per subdirectory is a common way to keep a fleet). */
		r = pcl_dir_list(it->path, NULL, PCL_DIR_RECURSE, &p->e, &p->n_e);
		if (r) {
			it->kind = ITEM_DIR_ERROR;
			it->err = r;
			p->failed = true;
			return true;
		}
		p->next_e = 0;
		free(it->path);
		it->path = NULL;
	} else if (!strcmp(it->path, "-")) {
		/* Standard input is read here, in the order of the
		 * arguments, however many times "-" is given. */
		it->perr = (struct pcl_error){ .offset = -1 };
		it->r = cli_sources_load(&it->s, it->path, &it->perr);
		it->loaded = true;
	}
	return true;
}

/* The next input into @it; false when there is none left. */
static bool produce_item(struct producer *p, struct item *it)
{
	for (;;) {
		if (p->e && p->next_e < p->n_e) {
			struct pcl_dir_entry *e = &p->e[p->next_e++];

			it->kind = e->kind == PCL_DIR_FILE ? ITEM_FILE :
				   e->kind == PCL_DIR_DIR ? ITEM_SKIP_DIR :
							    ITEM_SKIP;
			it->path = e->path; /* taken from the listing */
			e->path = NULL;
			return true;
		}
		pcl_dir_list_free(p->e, p->n_e);
		p->e = NULL;
		p->n_e = 0;
		if (!next_arg(p, it))
			return false;
		if (it->path || it->kind == ITEM_DIR_ERROR)
			return true;
	}
}

/* Fill free jobs with inputs and let the readers know. */
static void produce(struct stream *st)
{
	while (st->produced - st->consumed < st->ring_n) {
		struct job *j = &st->ring[st->produced % st->ring_n];

		memset(j, 0, sizeof(*j));
		while (j->n < JOB_ITEMS && produce_item(&st->prod, &j->items[j->n]))
			j->n++;
		if (!j->n)
			return;
		pthread_mutex_lock(&st->lock);
		st->produced++;
		if (st->idle)
			pthread_cond_signal(&st->work);
		pthread_mutex_unlock(&st->lock);
	}
}

/*
 * Hand a read input to the pool, or report it: the collector's part, in
 * the order of the inputs. Returns the functions added, or -1 after
 * reporting a fatal error.
 */
static long collect_item(struct stream *st, struct item *it, size_t *failures)
{
	const struct ccli_pool *p = st->pool;
	long added = 0;

	switch (it->kind) {
	case ITEM_SKIP_DIR:
		cli_warn("%s: skipped: a directory that was not read (too deep, a loop, or unreadable)",
			 it->path);
		return 0;
	case ITEM_SKIP:
		cli_warn("%s: skipped: not a regular file", it->path);
		return 0;
	case ITEM_DIR_ERROR:
		cli_error("%s: %s", it->path ? it->path : "", strerror(-it->err));
		return -1;
	case ITEM_FILE:
		break;
	}
	if (it->r < 0) {
		char buf[640];

		if (!it->perr.message[0]) {
			cli_error("out of memory");
			return -1;
		}
		cli_report(&it->perr);
		(*failures)++;
		return p->fail(p->pool, it->path,
			       pcl_error_format(&it->perr, buf, sizeof(buf))) < 0 ? -1 : 0;
	}
	for (size_t i = 0; i < it->n_hosts; i++) {
		struct item_host *ih = &it->hosts[i];
		int r = ih->err;

		if (!r) {
			r = p->add(p->pool, ih->h, ih->name);
			ih->h = NULL;
		}
		if (r < 0) {
			cli_error("%s: %s", ih->name ? ih->name :
					    it->path ? it->path : "",
				  strerror(-r));
			return -1;
		}
		added++;
	}
	return added;
}

/*
 * The oldest job, read: the calling thread reads jobs itself while the
 * oldest is not done, so that it is one of the readers, and waits only
 * when every job is taken.
 */
static struct job *next_done(struct stream *st)
{
	struct job *oldest = &st->ring[st->consumed % st->ring_n];

	pthread_mutex_lock(&st->lock);
	while (!oldest->done) {
		struct job *j = claim(st);

		if (!j) {
			st->awaited = oldest;
			pthread_cond_wait(&st->done, &st->lock);
			st->awaited = NULL;
			continue;
		}
		pthread_mutex_unlock(&st->lock);
		read_job(st, j, &st->rc);
		pthread_mutex_lock(&st->lock);
		j->done = true;
	}
	pthread_mutex_unlock(&st->lock);
	return oldest;
}

static void start_workers(struct stream *st, unsigned int threads)
{
	st->workers = threads > 1 ? calloc(threads - 1, sizeof(*st->workers)) :
				    NULL;
	/* A thread that cannot be made is one reader fewer, not an error. */
	for (unsigned int i = 0; st->workers && i < threads - 1; i++) {
		if (pthread_create(&st->workers[i], NULL, worker, st))
			break;
		st->n_workers++;
	}
}

static void stop_workers(struct stream *st)
{
	pthread_mutex_lock(&st->lock);
	st->stop = true;
	pthread_cond_broadcast(&st->work);
	pthread_mutex_unlock(&st->lock);
	for (unsigned int i = 0; i < st->n_workers; i++)
		pthread_join(st->workers[i], NULL);
	free(st->workers);
}

/* Every input of the arguments, through the readers, into the pool. */
static long stream_files(struct stream *st, size_t *failures)
{
	long total = 0;

	for (;;) {
		struct job *j;

		produce(st);
		if (st->consumed == st->produced)
			break;
		j = next_done(st);
		for (size_t i = 0; i < j->n && total >= 0; i++) {
			long got = collect_item(st, &j->items[i], failures);

			total = got < 0 ? -1 : total + got;
		}
		for (size_t i = 0; i < j->n; i++)
			item_clear(&j->items[i]);
		st->consumed++;
		if (total < 0)
			break;
	}
	return total;
}

static long stream_args(char **args, int n, const struct ccli_pool *pool,
			size_t *failures)
{
	unsigned int threads = pool->threads ? pool->threads : 1;
	struct stream st = {
		.pool = pool,
		.prod = { .args = args, .n = n },
		.ring_n = RING_JOBS(threads),
	};
	long total;

	/*
	 * The hosts in flight are freed and made again all the time, ~160 KiB
	 * at once when a job is handed over; by default glibc then gives the
	 * top of a heap back to the kernel (more than 128 KiB free there) and
	 * takes page faults to have it again: 0.4 a host with 2 threads, each
	 * ~1 us or more on a VM (BENCHMARKS.md). Up to 4 MiB free is kept
	 * (per heap: a thread has its own).
	 */
	mallopt(M_TRIM_THRESHOLD, 4 << 20);
	st.ring = calloc(st.ring_n, sizeof(*st.ring));
	if (!st.ring) {
		cli_error("out of memory");
		return -1;
	}
	pthread_mutex_init(&st.lock, NULL);
	pthread_cond_init(&st.work, NULL);
	pthread_cond_init(&st.done, NULL);
	reader_ctx_init(&st.rc);
	start_workers(&st, threads);
	total = stream_files(&st, failures);
	stop_workers(&st);
	reader_ctx_fini(&st.rc);
	/* After a fatal error: the jobs still in flight, read or not. */
	for (; st.consumed < st.produced; st.consumed++) {
		struct job *j = &st.ring[st.consumed % st.ring_n];

		for (size_t i = 0; i < j->n; i++)
			item_clear(&j->items[i]);
	}
	pcl_dir_list_free(st.prod.e, st.prod.n_e);
	pthread_cond_destroy(&st.done);
	pthread_cond_destroy(&st.work);
	pthread_mutex_destroy(&st.lock);
	free(st.ring);
	return total;
}

long ccli_stream(char **args, int n, const struct ccli_pool *pool,
		 size_t *failures)
{
	struct stream st = { .pool = pool };
	struct cli_sources s = { 0 };
	struct item it = { .kind = ITEM_FILE };
	long total;

	*failures = 0;
	if (n)
		return stream_args(args, n, pool, failures);
	/* This machine's functions, as -s and -d select them. */
	if (cli_sources_live(&s) < 0)
		return -1;
	analyse(&it, &s, NULL, pool->quirks);
	total = collect_item(&st, &it, failures);
	item_clear(&it);
	return total;
}

unsigned int ccli_default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > CCLI_THREADS_MAX ? CCLI_THREADS_MAX :
						  (unsigned int)n;
}

int ccli_threads(const char *arg, unsigned int *threads)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || !*arg || v < 1 || v > CCLI_THREADS_LIMIT) {
		cli_error("--threads '%s': a number from 1 to %d", arg,
			  CCLI_THREADS_LIMIT);
		return -1;
	}
	*threads = (unsigned int)v;
	return 0;
}
