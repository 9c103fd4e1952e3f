// SPDX-License-Identifier: BSD-3-Clause
/*
 * ctx.c - the library context: log callback and priority, and the objects
 * made on first use (pcl_ctx_lazy()). There is no global state; a context
 * is silent until its owner installs a callback, because a library
 * embedded in a VMM must not write to the VMM's stderr on its own.
 *
 * First use may come from several threads at once. pthread_once() cannot
 * serve a context (its routine takes no argument, so it could not know
 * which context to fill), hence a mutex per context, held only until the
 * object is published; later calls find it with one acquire load.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "internal.h"

struct pcl_ctx {
	pcl_log_fn log_fn;
	void *log_opaque;
	int log_priority;
	pthread_mutex_t lazy_lock;
	struct {
		_Atomic(void *) obj;
		void (*destroy)(void *);
	} lazy[PCL_CTX_LAZY_COUNT];
};

static int parse_priority(const char *s)
{
	static const struct {
		const char *name;
		int prio;
	} names[] = {
		{ "err", LOG_ERR },	    { "error", LOG_ERR },
		{ "warning", LOG_WARNING }, { "warn", LOG_WARNING },
		{ "notice", LOG_NOTICE },   { "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};
	char *end;
	long v = strtol(s, &end, 10);

	if (end != s && *end == '\0' && v >= 0 && v <= LOG_DEBUG)
		return (int)v;
	for (size_t i = 0; i < PCL_ARRAY_SIZE(names); i++)
		if (strcasecmp(s, names[i].name) == 0)
			return names[i].prio;
	return LOG_ERR;
}

PCL_EXPORT struct pcl_ctx *pcl_ctx_new(void)
{
	struct pcl_ctx *ctx = calloc(1, sizeof(*ctx));
	const char *env;

	if (!ctx) {
		errno = ENOMEM;
		return NULL;
	}
	if (pthread_mutex_init(&ctx->lazy_lock, NULL)) {
		free(ctx);
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < PCL_ARRAY_SIZE(ctx->lazy); i++)
		atomic_init(&ctx->lazy[i].obj, NULL);
	ctx->log_priority = LOG_ERR;
	env = secure_getenv("PCILAYOUT_LOG");
	if (env && *env)
		ctx->log_priority = parse_priority(env);
	return ctx;
}

PCL_EXPORT void pcl_ctx_free(struct pcl_ctx *ctx)
{
	if (!ctx)
		return;
	for (size_t i = 0; i < PCL_ARRAY_SIZE(ctx->lazy); i++) {
		void *obj = atomic_load_explicit(&ctx->lazy[i].obj,
						 memory_order_acquire);

		if (obj)
			ctx->lazy[i].destroy(obj);
	}
	pthread_mutex_destroy(&ctx->lazy_lock);
	free(ctx);
}

void *pcl_ctx_lazy(struct pcl_ctx *ctx, enum pcl_ctx_lazy which,
		   void *(*make)(struct pcl_ctx *), void (*destroy)(void *))
{
	void *obj = atomic_load_explicit(&ctx->lazy[which].obj,
					 memory_order_acquire);

	if (obj)
		return obj;
	pthread_mutex_lock(&ctx->lazy_lock);
	/* Another thread may have made it while this one waited. */
	obj = atomic_load_explicit(&ctx->lazy[which].obj, memory_order_relaxed);
	if (!obj) {
		obj = make(ctx);
		if (obj) {
			ctx->lazy[which].destroy = destroy;
			atomic_store_explicit(&ctx->lazy[which].obj, obj,
					      memory_order_release);
		}
	}
	pthread_mutex_unlock(&ctx->lazy_lock);
	return obj;
}

PCL_EXPORT void pcl_ctx_set_log_fn(struct pcl_ctx *ctx, pcl_log_fn fn,
				   void *opaque)
{
	ctx->log_fn = fn;
	ctx->log_opaque = opaque;
}

PCL_EXPORT void pcl_ctx_set_log_priority(struct pcl_ctx *ctx, int priority)
{
	ctx->log_priority = priority;
}

PCL_EXPORT int pcl_ctx_get_log_priority(const struct pcl_ctx *ctx)
{
	/* No callback: nothing listens, so callers skip formatting. */
	return ctx->log_fn ? ctx->log_priority : -1;
}

void pcl_log_(const struct pcl_ctx *ctx, int priority, const char *file,
	      int line, const char *fn, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!ctx || !ctx->log_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->log_fn(ctx->log_opaque, priority, file, line, fn, msg);
}

PCL_EXPORT const char *pcl_version(void)
{
	return PCL_VERSION_STRING;
}
