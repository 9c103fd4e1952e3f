// SPDX-License-Identifier: BSD-3-Clause
/*
 * bench_vdev.c - the runtime engine's cost per guest access: nanoseconds per
 * pcl_vdev_read() / pcl_vdev_write() and backend calls per access, for fully
 * emulated dwords (header, next pointers, the virtual PASID), passthrough
 * dwords (simulated backend), mixed dwords and accesses split across dword
 * and segment boundaries; the floor of any call, pcl_vdev_read() of a NULL
 * engine (argument check, return), in the same run; the same reads through
 * pcl_vdev_fastpath_read(), the fast path inline in the caller (vdev.h);
 * and the engine's size per device.
 *
 * Built twice: against the shared library (bench_vdev: each call through
 * the PLT, as a VMM linking it with pkg-config makes it) and the static one
 * (bench_vdev_static: a direct call, as a statically linked VMM makes it).
 *
 * The cases are found in the access table of a real device planned with a
 * virtual PASID (pcl_guest_rule()), not hard-coded offsets, so the program
 * runs on any corpus; a case the device does not have is reported as such.
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-common.h"

#ifndef PCL_BENCH_LINK
#define PCL_BENCH_LINK "shared (libpcilayout.so)"
#endif

struct acase {
	const char *what;
	int write;         /* 0 read, 1 write, 2 read of a NULL engine,
			    * 3 read through pcl_vdev_fastpath_read() */
	int like;          /* 3: 1 + the index of the read case it repeats */
	uint32_t off;
	uint32_t len;
	uint32_t val[2];   /* writes alternate between the two values */
	int found;
	double ns;         /* median ns per access */
	double be_reads;   /* backend reads per access */
	double be_writes;  /* backend writes per access */
};

static volatile uint32_t sink;

static uint32_t rule_src(const struct pcl_guest *g, uint32_t off,
			 struct pcl_guest_rule *r)
{
	pcl_guest_rule(g, off, r);
	return r->source;
}

/* Every byte of [off, off + len) reads without the device. */
static int emulated(const struct pcl_guest *g, uint32_t off, uint32_t len)
{
	struct pcl_guest_rule r;

	for (uint32_t i = off; i < off + len; i++)
		if (rule_src(g, i, &r) == PCL_GUEST_PHYS && r.vmask != 0xff)
			return 0;
	return 1;
}

/* Every byte is PHYS, served by the device, and (for writes) writable. */
static int passthrough(const struct pcl_guest *g, uint32_t off, uint32_t len,
		       int writable)
{
	struct pcl_guest_rule r;

	for (uint32_t i = off; i < off + len; i++) {
		if (rule_src(g, i, &r) != PCL_GUEST_PHYS || r.vmask)
			return 0;
		if (writable && r.wmask != 0xff)
			return 0;
	}
	return 1;
}

static int mixed(const struct pcl_guest *g, uint32_t off)
{
	return !emulated(g, off, 4) && !passthrough(g, off, 4, 0);
}

/* The offset of the guest view's virtual PASID, or -1. */
static int32_t virtual_pasid(const struct pcl_layout *l)
{
	for (size_t i = 0; i < pcl_layout_entry_count(l, PCL_SPACE_EXTENDED); i++) {
		const struct pcl_layout_entry *e =
			pcl_layout_entry(l, PCL_SPACE_EXTENDED, i);

		if (e->kind == PCL_ENTRY_VIRTUAL && e->generator == PCL_GEN_PASID)
			return e->at;
	}
	return -1;
}

/* The guest offset of the first presented physical entry of (space, id). */
static int32_t entry_at(const struct pcl_layout *l, int space, uint16_t id)
{
	for (size_t i = 0; i < pcl_layout_entry_count(l, space); i++) {
		const struct pcl_layout_entry *e = pcl_layout_entry(l, space, i);

		if (e->kind == PCL_ENTRY_PHYSICAL && e->id == id)
			return e->at;
	}
	return -1;
}

static void set_case(struct acase *c, uint32_t off, uint32_t len)
{
	c->off = off;
	c->len = len;
	c->found = 1;
}

/* Locate each case in @g (planned from layout @l). */
static void find_cases(const struct pcl_guest *g, const struct pcl_layout *l,
		       struct acase *c, size_t n)
{
	int32_t pasid = virtual_pasid(l), exp = entry_at(l, 0, 0x10);
	uint32_t off;

	for (size_t i = 0; i < n; i++) {
		const char *w = c[i].what;

		if (!strcmp(w, "emulated: header dword 0x00 (IDs)") &&
		    emulated(g, 0, 4))
			set_case(&c[i], 0, 4);
		if (!strcmp(w, "emulated: ext. cap header (next ptr)") &&
		    emulated(g, 0x100, 4))
			set_case(&c[i], 0x100, 4);
		if (!strcmp(w, "emulated: std cap ID + next (2 bytes)")) {
			off = pcl_guest_image(g)[0x34] & 0xfcu;
			if (off >= 0x40 && emulated(g, off, 2))
				set_case(&c[i], off, 2);
		}
		if (strstr(w, "virtual PASID") && pasid > 0 &&
		    emulated(g, (uint32_t)pasid + 4, 4)) {
			set_case(&c[i], (uint32_t)pasid + 4, c[i].write ? 2 : 4);
			if (c[i].write)
				c[i].off += 2; /* PASID Control */
		}
		if (!strcmp(w, "emulated: interrupt line (1 byte)") &&
		    emulated(g, 0x3c, 1))
			set_case(&c[i], 0x3c, 1);
		if (!strcmp(w, "passthrough: PCIe Device Cap dword") &&
		    exp > 0 && passthrough(g, (uint32_t)exp + 4, 4, 0))
			set_case(&c[i], (uint32_t)exp + 4, 4);
		if (!strcmp(w, "passthrough: first PHYS dword")) {
			for (off = 0x40; off < PCL_CFG_SIZE; off += 4)
				if (passthrough(g, off, 4, c[i].write)) {
					set_case(&c[i], off, 4);
					break;
				}
		}
		if (!strcmp(w, "mixed: command + status (0x04)") && mixed(g, 4))
			set_case(&c[i], 4, 4);
		if (!strcmp(w, "mixed: std cap header dword")) {
			off = pcl_guest_image(g)[0x34] & 0xfcu;
			if (off >= 0x40 && mixed(g, off))
				set_case(&c[i], off, 4);
		}
		if (!strcmp(w, "split: 4 bytes across a dword")) {
			for (off = 0x42; off < PCL_CFG_SIZE - 4; off += 4)
				if (passthrough(g, off, 4, 0)) {
					set_case(&c[i], off, 4);
					break;
				}
		}
		if (!strcmp(w, "split: dword across a segment end")) {
			for (off = 0x40; off < PCL_CFG_SIZE; off += 4) {
				uint32_t end = pcl_guest_segment_end(g, off);

				if (end > off && end < off + 4) {
					set_case(&c[i], off, 4);
					break;
				}
			}
		}
		if (!strcmp(w, "write-through: command (2 bytes)")) {
			struct pcl_guest_rule r;

			pcl_guest_rule(g, 4, &r);
			if (r.flags & PCL_GUEST_WRITE_THROUGH)
				set_case(&c[i], 4, 2);
		}
	}
}

static void run_case(struct pcl_vdev *v, struct pcl_backend *be,
		     struct acase *c, long iters, int repeats)
{
	const struct pcl_vdev_fastpath *fp = pcl_vdev_fastpath(v);
	double t[32];
	struct pcl_backend_stats s0, s1;
	uint32_t val, acc = 0;

	if (repeats > 32)
		repeats = 32;
	pcl_backend_stats(be, &s0);
	for (int r = 0; r < repeats; r++) {
		uint64_t t0 = bench_now_ns();

		if (c->write == 2) {
			for (long i = 0; i < iters; i++)
				if (pcl_vdev_read(NULL, c->off, c->len, &val) !=
				    -EINVAL)
					exit(2);
		} else if (c->write == 3) {
			for (long i = 0; i < iters; i++) {
				if (pcl_vdev_fastpath_read(fp, c->off, c->len,
							   &val))
					exit(2);
				acc += val;
			}
		} else if (c->write) {
			for (long i = 0; i < iters; i++)
				if (pcl_vdev_write(v, c->off, c->len, c->val[i & 1]))
					exit(2);
		} else {
			for (long i = 0; i < iters; i++) {
				if (pcl_vdev_read(v, c->off, c->len, &val))
					exit(2);
				acc += val;
			}
		}
		t[r] = (double)(bench_now_ns() - t0) / (double)iters;
	}
	pcl_backend_stats(be, &s1);
	sink += acc;
	c->ns = bench_median(t, (size_t)repeats);
	c->be_reads = (double)(s1.reads - s0.reads) / ((double)iters * repeats);
	c->be_writes = (double)(s1.writes - s0.writes) / ((double)iters * repeats);
}

struct built {
	struct pcl_cfg *cfg;
	struct pcl_layout *layout;
	struct pcl_guest *guest;
	struct pcl_backend *be;
	struct pcl_vdev *vdev;
	size_t guest_bytes;
	size_t vdev_bytes;
};

static size_t heap_used(void)
{
	return mallinfo2().uordblks;
}

static void built_free(struct built *b)
{
	pcl_vdev_free(b->vdev);
	pcl_backend_free(b->be);
	pcl_guest_free(b->guest);
	pcl_layout_free(b->layout);
	pcl_cfg_free(b->cfg);
	memset(b, 0, sizeof(*b));
}

/* Plan @d with a virtual PASID and start an engine on a simulated device. */
static int build(struct pcl_ctx *ctx, const struct pcl_quirks *q,
		 const struct bench_dev *d, const char *name, struct built *b)
{
	struct pcl_plan_pasid pasid = {
		.flags = PCL_PLAN_PASID_IOMMU, .iommu_max_width = 20,
		.iommu_exec = 1, .iommu_priv = 1,
	};
	struct pcl_plan_request *req;
	struct pcl_vdev_backend ops;
	size_t h0;
	int r;

	memset(b, 0, sizeof(*b));
	b->cfg = pcl_cfg_new(ctx, d->bytes, d->size, name);
	req = pcl_plan_request_new(ctx);
	if (!b->cfg || !req)
		goto fail;
	pcl_plan_request_set_cfg(req, b->cfg, NULL);
	pcl_plan_request_set_quirks(req, q);
	pcl_plan_request_add_pasid(req, &pasid);
	r = pcl_plan(req, &b->layout, NULL);
	pcl_plan_request_free(req);
	if (r < 0)
		goto fail;
	h0 = heap_used();
	if (pcl_guest_build(ctx, b->layout, b->cfg, NULL, &b->guest, NULL) < 0)
		goto fail;
	b->guest_bytes = heap_used() - h0;
	b->be = pcl_backend_sim_new(b->cfg);
	if (!b->be)
		goto fail;
	pcl_backend_ops(b->be, &ops);
	h0 = heap_used();
	b->vdev = pcl_vdev_new(b->guest, &ops, NULL);
	if (!b->vdev)
		goto fail;
	b->vdev_bytes = heap_used() - h0;
	return 0;
fail:
	built_free(b);
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "smoke", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct acase cases[] = {
		{ .what = "floor: a NULL engine (-EINVAL)", .write = 2,
		  .len = 4, .found = 1 },
		{ .what = "emulated: header dword 0x00 (IDs)" },
		{ .what = "emulated: std cap ID + next (2 bytes)" },
		{ .what = "emulated: ext. cap header (next ptr)" },
		{ .what = "emulated: virtual PASID dword" },
		{ .what = "passthrough: PCIe Device Cap dword" },
		{ .what = "passthrough: first PHYS dword" },
		{ .what = "mixed: command + status (0x04)" },
		{ .what = "mixed: std cap header dword" },
		{ .what = "split: 4 bytes across a dword" },
		{ .what = "split: dword across a segment end" },
		{ .what = "inline: emulated header dword 0x00", .write = 3,
		  .like = 2 },
		{ .what = "inline: emulated virtual PASID dword", .write = 3,
		  .like = 5 },
		{ .what = "inline: passthrough first PHYS dword", .write = 3,
		  .like = 7 },
		{ .what = "emulated: interrupt line (1 byte)", .write = 1, .val = { 0x0a, 0x0b } },
		{ .what = "emulated: virtual PASID Control", .write = 1, .val = { 0, 1 } },
		{ .what = "write-through: command (2 bytes)", .write = 1, .val = { 0x0406, 0x0406 } },
		{ .what = "passthrough: first PHYS dword", .write = 1, .val = { 0, 0 } },
	};
	const size_t ncases = sizeof(cases) / sizeof(cases[0]);
	const char *want = NULL;
	long iters = 2000000;
	int repeats = 5, c;
	struct pcl_ctx *ctx;
	struct pcl_quirks *q;
	struct bench_corpus corpus;
	struct built b = { 0 };
	double sizes[1024];
	size_t nsizes = 0, chosen = (size_t)-1, guest_bytes = 0;
	uint32_t val = 0;
	char load[64];

	while ((c = getopt_long(argc, argv, "n:r:h", lo, NULL)) != -1) {
		switch (c) {
		case 'n':
			iters = strtol(optarg, NULL, 0);
			break;
		case 'r':
			repeats = atoi(optarg);
			break;
		case 'd':
			want = optarg;
			break;
		case 's':
			iters = 20000;
			repeats = 1;
			break;
		case 'h':
			printf("Usage: bench_vdev [-n ITERATIONS] [-r REPEATS] "
			       "[--device NAME] [--smoke]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (iters < 1 || repeats < 1)
		return 2;
	ctx = pcl_ctx_new();
	q = pcl_quirks_new(ctx);
	if (!ctx || !q || pcl_quirks_add_defaults(q, NULL) < 0)
		return 2;
	if (bench_corpus_load(&corpus, ctx, bench_corpus_dir()) < 0)
		return 2;

	/*
	 * Engine size over every device that can be planned; the timed device
	 * is the one named, else the first 4 KiB PCIe device with a virtual
	 * PASID and a passthrough dword.
	 */
	for (size_t i = 0; i < corpus.count; i++) {
		if (build(ctx, q, &corpus.dev[i], corpus.name[i], &b) < 0)
			continue;
		if (nsizes < 1024)
			sizes[nsizes++] = (double)b.vdev_bytes;
		guest_bytes = b.guest_bytes;
		if (chosen == (size_t)-1 &&
		    (want ? strcmp(want, corpus.name[i]) == 0 :
		     corpus.dev[i].size == PCL_CFG_SIZE &&
		     entry_at(b.layout, 0, 0x10) > 0 &&
		     virtual_pasid(b.layout) > 0 &&
		     passthrough(b.guest, (uint32_t)entry_at(b.layout, 0, 0x10) + 4,
				 4, 0)))
			chosen = i;
		built_free(&b);
	}
	bench_loadavg(load, sizeof(load));
	printf("== Engine cost per guest access (median of %d x %ld accesses)\n",
	       repeats, iters);
	printf("load average at start: %s\n", load);
	printf("library linked: %s\n", PCL_BENCH_LINK);
	if (chosen == (size_t)-1) {
		printf("no device of the %s could be planned with a virtual PASID: "
		       "nothing to time\n", corpus.synthetic ? "synthetic set" : "corpus");
		return 1;
	}
	if (build(ctx, q, &corpus.dev[chosen], corpus.name[chosen], &b) < 0)
		return 2;
	printf("device: %s (%s), virtual PASID at 0x%x, simulated backend\n",
	       corpus.name[chosen], corpus.desc[chosen],
	       (unsigned int)virtual_pasid(b.layout));
	find_cases(b.guest, b.layout, cases, ncases);
	for (size_t i = 0; i < ncases; i++)
		if (cases[i].like) {
			const struct acase *o = &cases[cases[i].like - 1];

			cases[i].off = o->off;
			cases[i].len = o->len;
			cases[i].found = o->found;
		}
	/*
	 * Bind the entry points before timing. When the first call through
	 * the lazily bound PLT slot was made inside the floor's timed loop,
	 * every pcl_vdev_read() case of the run took 0.5-0.6 ns more per call
	 * on the 2-vCPU EPYC (Zen 5) KVM guest, as much as the fast path
	 * itself, and LD_BIND_NOW=1 removed it (BENCHMARKS.md, section 2):
	 * an artefact of the program, not a cost a VMM pays per access.
	 */
	if (pcl_vdev_read(NULL, 0, 4, &val) != -EINVAL ||
	    pcl_vdev_write(NULL, 0, 4, 0) != -EINVAL || pcl_vdev_fastpath(NULL))
		return 2;
	printf("%-6s %-38s %-6s %3s %9s %9s %9s\n", "access", "case", "offset",
	       "len", "ns/access", "be reads", "be writes");
	for (size_t i = 0; i < ncases; i++) {
		if (!cases[i].found) {
			printf("%-6s %-38s %s\n", cases[i].write == 1 ? "write" : "read",
			       cases[i].what, "(this device has no such dword)");
			continue;
		}
		if (cases[i].write && strstr(cases[i].what, "passthrough")) {
			/* Write back what is there: the device keeps working. */
			uint32_t cur = 0;

			pcl_vdev_read(b.vdev, cases[i].off, cases[i].len, &cur);
			cases[i].val[0] = cases[i].val[1] = cur;
		}
		run_case(b.vdev, b.be, &cases[i], iters, repeats);
		printf("%-6s %-38s 0x%03x  %3u %9.2f %9.2f %9.2f\n",
		       cases[i].write == 1 ? "write" : "read", cases[i].what,
		       cases[i].off, cases[i].len, cases[i].ns, cases[i].be_reads,
		       cases[i].be_writes);
	}
	printf("engine size per device (heap of pcl_vdev_new): %.0f bytes "
	       "(median over %zu planned devices)\n",
	       bench_median(sizes, nsizes), nsizes);
	printf("guest view (pcl_guest_build, freed after pcl_vdev_new): %zu bytes\n",
	       guest_bytes);
	for (size_t i = 1; i < ncases; i++)
		if (cases[i].found && (i == 1 || cases[i].like == 2))
			printf("emulated 4-byte read, %s, %s: %.2f ns, %.2fx the "
			       "floor of a call in this run (goal <= 3 ns: %s)\n",
			       PCL_BENCH_LINK, i == 1 ? "pcl_vdev_read()" :
			       "pcl_vdev_fastpath_read() inline", cases[i].ns,
			       cases[i].ns / cases[0].ns,
			       cases[i].ns <= 3 ? "met" : "NOT met");
	bench_loadavg(load, sizeof(load));
	printf("load average at end: %s\n", load);
	built_free(&b);
	bench_corpus_free(&corpus);
	pcl_quirks_free(q);
	pcl_ctx_free(ctx);
	return 0;
}
