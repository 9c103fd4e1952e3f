// SPDX-License-Identifier: BSD-3-Clause
/*
 * seeds.c - writes the seed corpus of every fuzz target from the project's
 * own code: config spaces built here register by register (well-formed
 * devices of each header type and every length rule the catalogue has, and
 * the classic breakages), saved as raw images and as lspci -xxxx text.
 * Nothing third-party is shipped; ../shared/corpus may seed local runs.
 *
 * fuzz_vdev gets each space (and the example devices of SRCDIR/examples/
 * when SRCDIR is given) with access scripts that visit every register kind.
 *
 * Usage: fuzz_seeds OUTDIR [SRCDIR]  -> OUTDIR/<target>/<name>
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcilayout/pcilayout.h>

struct space {
	uint8_t b[PCL_CFG_SIZE];
	size_t len;
	unsigned int std_tail;
	unsigned int ext_tail;
};

static void w8(struct space *s, unsigned int off, unsigned int v)
{
	if (off < PCL_CFG_SIZE)
		s->b[off] = (uint8_t)v;
}

static void w16(struct space *s, unsigned int off, unsigned int v)
{
	w8(s, off, v & 0xff);
	w8(s, off + 1, (v >> 8) & 0xff);
}

static void w32(struct space *s, unsigned int off, uint32_t v)
{
	w16(s, off, v & 0xffff);
	w16(s, off + 2, v >> 16);
}

static void init(struct space *s, unsigned int vendor, unsigned int device,
		 unsigned int htype, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->len = len;
	w16(s, 0x00, vendor);
	w16(s, 0x02, device);
	w8(s, 0x08, 1);
	w8(s, 0x0a, 0x00);
	w8(s, 0x0b, 0x02);
	w8(s, 0x0e, htype);
}

/* Link a standard capability: from 0x34 (0x14 for CardBus) or the tail. */
static void std_cap(struct space *s, unsigned int off, unsigned int id)
{
	if (!s->std_tail)
		w8(s, (s->b[0x0e] & 0x7f) == 2 ? 0x14 : 0x34, off);
	else
		w8(s, s->std_tail + 1, off);
	s->b[0x06] |= 0x10;
	w8(s, off, id);
	w8(s, off + 1, 0);
	s->std_tail = off;
}

static void ext_cap(struct space *s, unsigned int off, unsigned int id,
		    unsigned int ver, int link)
{
	if (link && s->ext_tail) {
		uint32_t v = (uint32_t)s->b[s->ext_tail] |
			     (uint32_t)s->b[s->ext_tail + 1] << 8 |
			     (uint32_t)s->b[s->ext_tail + 2] << 16;

		w32(s, s->ext_tail, v | (uint32_t)off << 20);
	}
	if (link)
		s->ext_tail = off;
	w32(s, off, id | ver << 16);
}

static void pcie(struct space *s, unsigned int off, unsigned int ver,
		 unsigned int type)
{
	std_cap(s, off, 0x10);
	w16(s, off + 2, ver | type << 4);
	w32(s, off + 4, 0x8fc2);
}

static const char *outdir;

static int put(const char *target, const char *name, const void *data,
	       size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, target);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	if (len && fwrite(data, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f);
}

/* lspci -xxxx text of @s at @slot, appended to @buf. */
static size_t dump_text(const struct space *s, const char *slot, char *buf,
			size_t size, size_t pos)
{
	pos += (size_t)snprintf(buf + pos, size - pos,
				"%s Ethernet controller: seed %04x:%04x\n", slot,
				s->b[0] | s->b[1] << 8, s->b[2] | s->b[3] << 8);
	for (size_t row = 0; row < s->len && pos < size; row += 16) {
		pos += (size_t)snprintf(buf + pos, size - pos, "%02zx:", row);
		for (size_t i = row; i < row + 16 && i < s->len; i++)
			pos += (size_t)snprintf(buf + pos, size - pos, " %02x",
						s->b[i]);
		pos += (size_t)snprintf(buf + pos, size - pos, "\n");
	}
	return pos < size ? pos : size - 1;
}

#define NSEEDS 24
static struct space seeds[NSEEDS];
static const char *names[NSEEDS];
static int nseeds;

static struct space *add(const char *name)
{
	if (nseeds == NSEEDS) {
		fprintf(stderr, "fuzz_seeds: raise NSEEDS\n");
		exit(1);
	}
	names[nseeds] = name;
	return &seeds[nseeds++];
}

static void build_all(void)
{
	struct space *s;

	s = add("header-only-64");
	init(s, 0x1af4, 0x1000, 0, 64);

	s = add("legacy-256");
	init(s, 0x8086, 0x100e, 0, 256);
	std_cap(s, 0xdc, 0x01);		/* PM */
	w16(s, 0xde, 0x0003);
	std_cap(s, 0xe4, 0x07);		/* PCI-X */
	std_cap(s, 0xf0, 0x05);		/* MSI 64-bit, per-vector masks */
	w16(s, 0xf2, 0x0180);

	s = add("endpoint-full");
	init(s, 0x8086, 0x1889, 0, 4096);
	std_cap(s, 0x40, 0x01);
	std_cap(s, 0x50, 0x05);		/* MSI 32-bit */
	pcie(s, 0x70, 2, 0);
	std_cap(s, 0xb0, 0x11);		/* MSI-X */
	w16(s, 0xb2, 0x003f);
	std_cap(s, 0xc0, 0x09);		/* vendor-specific, length 0x0c */
	w8(s, 0xc2, 0x0c);
	std_cap(s, 0xd0, 0x03);		/* VPD */
	ext_cap(s, 0x100, 0x0001, 2, 1);	/* AER */
	ext_cap(s, 0x148, 0x000e, 1, 1);	/* ARI */
	ext_cap(s, 0x150, 0x000f, 1, 1);	/* ATS */
	ext_cap(s, 0x160, 0x0010, 1, 1);	/* SR-IOV */
	ext_cap(s, 0x1a0, 0x000d, 1, 1);	/* ACS */
	w16(s, 0x1a4, 0x005f);
	ext_cap(s, 0x1b0, 0x0003, 1, 1);	/* DSN */
	ext_cap(s, 0x1c0, 0x0018, 1, 1);	/* LTR */
	ext_cap(s, 0x1d0, 0x001e, 1, 1);	/* L1 PM substates */
	ext_cap(s, 0x1f0, 0x0015, 1, 1);	/* resizable BAR, 2 BARs */
	w32(s, 0x1f8, 0x2 << 5);
	ext_cap(s, 0x220, 0x0017, 1, 1);	/* TPH, 4-entry table in cap */
	w32(s, 0x224, 0x0004 << 16 | 1 << 9);
	ext_cap(s, 0x240, 0x000b, 1, 1);	/* VSEC, length 0x18 */
	w32(s, 0x244, 0x018u << 20 | 1 << 16 | 0x1234);
	ext_cap(s, 0x260, 0x0023, 1, 1);	/* DVSEC, length 0x10 */
	w32(s, 0x264, 0x010u << 20 | 1 << 16 | 0x1e98);
	w16(s, 0x268, 0x0007);
	ext_cap(s, 0x280, 0x0002, 1, 1);	/* VC, 1 extended VC */
	w32(s, 0x284, 1);
	ext_cap(s, 0x2c0, 0x001b, 1, 0);	/* PASID, unlinked: an orphan */
	w32(s, 0x2c4, 0x1404);
	w32(s, 0xff8, 0x5a5a0001);		/* a register outside caps */

	s = add("vf-null-anchor");
	init(s, 0x1af4, 0x10f1, 0, 4096);
	pcie(s, 0x40, 2, 0);
	std_cap(s, 0x80, 0x11);
	ext_cap(s, 0x100, 0x0000, 0, 1);	/* Null anchor at 0x100 */
	ext_cap(s, 0x180, 0x000e, 1, 1);
	ext_cap(s, 0x200, 0x001b, 1, 0);

	s = add("bridge");
	init(s, 0x8086, 0x7c10, 1, 4096);
	w8(s, 0x0b, 0x06);
	w8(s, 0x0a, 0x04);
	std_cap(s, 0x40, 0x0d);		/* bridge subsystem vendor */
	std_cap(s, 0x48, 0x01);
	pcie(s, 0x60, 2, 4);		/* root port */
	ext_cap(s, 0x100, 0x0001, 2, 1);
	ext_cap(s, 0x140, 0x000d, 1, 1);
	ext_cap(s, 0x150, 0x0019, 1, 1);	/* secondary PCIe */
	ext_cap(s, 0x170, 0x0025, 1, 1);	/* DLF */
	ext_cap(s, 0x180, 0x0026, 1, 1);	/* 16 GT/s */

	s = add("cardbus-256");
	init(s, 0x104c, 0xac56, 2, 256);
	std_cap(s, 0x80, 0x01);

	s = add("pcie-v1-rciep");
	init(s, 0x8086, 0x0d4c, 0, 4096);
	pcie(s, 0x40, 1, 9);

	s = add("std-loop");
	init(s, 0x1af4, 0x2001, 0, 256);
	std_cap(s, 0x40, 0x01);
	std_cap(s, 0x50, 0x05);
	w8(s, 0x51, 0x40);

	s = add("std-self");
	init(s, 0x1af4, 0x2002, 0, 256);
	std_cap(s, 0x40, 0x01);
	w8(s, 0x41, 0x40);

	s = add("std-into-header");
	init(s, 0x1af4, 0x2003, 0, 256);
	std_cap(s, 0x40, 0x01);
	w8(s, 0x41, 0x10);

	s = add("std-misaligned");
	init(s, 0x1af4, 0x2004, 0, 256);
	std_cap(s, 0x40, 0x01);
	w8(s, 0x41, 0x53);
	w8(s, 0x50, 0x05);

	s = add("ext-loop");
	init(s, 0x1af4, 0x2005, 0, 4096);
	pcie(s, 0x40, 2, 0);
	ext_cap(s, 0x100, 0x0001, 2, 1);
	ext_cap(s, 0x200, 0x000e, 1, 1);
	w32(s, 0x200, 0x000e | 1 << 16 | 0x100u << 20);

	s = add("ext-past-end");
	init(s, 0x1af4, 0x2006, 0, 4096);
	pcie(s, 0x40, 2, 0);
	ext_cap(s, 0xffc, 0x0023, 1, 1);	/* DVSEC header at the very end */

	s = add("ext-vsec-huge");
	init(s, 0x1af4, 0x2007, 0, 4096);
	pcie(s, 0x40, 2, 0);
	ext_cap(s, 0x100, 0x000b, 1, 1);
	w32(s, 0x104, 0xfffu << 20);

	s = add("overlap");
	init(s, 0x1af4, 0x2008, 0, 4096);
	pcie(s, 0x40, 2, 0);
	std_cap(s, 0x50, 0x05);		/* inside the PCIe capability */
	ext_cap(s, 0x100, 0x0001, 2, 1);
	ext_cap(s, 0x110, 0x0003, 1, 1);	/* inside AER */

	s = add("all-ones");
	init(s, 0, 0, 0, 4096);
	memset(s->b, 0xff, sizeof(s->b));
}

/*
 * fuzz_dvsec inputs: a mode byte, then the bytes from 0x100 (mode bit 0)
 * or from 0x104 after a fixed DVSEC header (bit 0 clear); bit 1 = any id.
 * The structures are encoded by the library, so the seeds start valid.
 */
static int dvsec_seed(const char *name, const struct pcl_range *r, size_t n,
		      const struct pcl_dvsec_id *ident)
{
	uint8_t buf[1 + PCL_DVSEC_FREE_SIZE(PCL_DVSEC_FREE_MAX_RANGES)];
	size_t len = 0;
	char full[128];

	if (pcl_dvsec_encode(r, n, ident, 0x100, buf + 1, sizeof(buf) - 1,
			     &len, NULL) < 0) {
		fprintf(stderr, "fuzz_seeds: cannot encode %s\n", name);
		errno = EINVAL;
		return -1;
	}
	buf[0] = ident ? 3 : 1;
	snprintf(full, sizeof(full), "%s-full", name);
	if (put("dvsec", full, buf, len + 1) < 0)
		return -1;
	/* Mode 0: the fixed header is written by the target. */
	buf[4] = ident ? 2 : 0;
	snprintf(full, sizeof(full), "%s-body", name);
	return put("dvsec", full, buf + 4, len - 3);
}

static int dvsec_seeds(void)
{
	static const struct pcl_range one[] = {
		{ 0xf00, 0x100, PCL_RANGE_FREE, 0, NULL, NULL },
	};
	static const struct pcl_range three[] = {
		{ 0x200, 0x40, PCL_RANGE_FREE, PCL_RANGE_VCAP_ONLY, NULL,
		  NULL },
		{ 0x400, 0x100, PCL_RANGE_FREE, PCL_RANGE_STABLE, NULL, NULL },
		{ 0xff8, 0x8, PCL_RANGE_FREE, PCL_RANGE_DVSEC_FLAGS, NULL,
		  NULL },
	};
	static const struct pcl_dvsec_id other = { 0x1af4, 0x0042 };
	struct pcl_range many[64];

	for (size_t i = 0; i < 64; i++) {
		many[i] = one[0];
		many[i].start = (uint32_t)(0x400 + i * 0x20);
		many[i].length = 0x10;
	}
	if (dvsec_seed("empty", NULL, 0, NULL) < 0 ||
	    dvsec_seed("one", one, 1, NULL) < 0 ||
	    dvsec_seed("three", three, 3, NULL) < 0 ||
	    dvsec_seed("many", many, 64, NULL) < 0 ||
	    dvsec_seed("other-pair", three, 3, &other) < 0)
		return -1;
	return 0;
}

/*
 * fuzz_vdev inputs: [flags][sel][cfg length LE16][cfg][8-byte accesses],
 * an access being [op][offset LE16][value LE32][len] (fuzz/fuzz_vdev.c).
 * op bits 0-2: 0 read, 2 write, 5 device poke, 6 reset (value bit 0:
 * replay instead), 7 save/load;
 * bits 3-4: length 1, 2, 4 or the len byte; bit 5: 16-bit offset;
 * bit 6: the device fails the first call.
 */
#define V_READ 0x00
#define V_WRITE 0x02
#define V_POKE 0x05
#define V_RESET 0x06 /* value 1: replay */
#define V_SAVE 0x07
#define V_L1 0x00
#define V_L2 0x08
#define V_L4 0x10
#define V_LRAW 0x18
#define V_FAR 0x20
#define V_FAIL 0x40

struct script {
	uint8_t b[4 + PCL_CFG_SIZE + 8 * 1024];
	size_t len;
};

static void vop(struct script *s, unsigned int op, unsigned int off,
		uint32_t val, unsigned int raw)
{
	uint8_t *p = s->b + s->len;

	if (s->len + 8 > sizeof(s->b))
		return;
	p[0] = (uint8_t)op;
	p[1] = (uint8_t)off;
	p[2] = (uint8_t)(off >> 8);
	p[3] = (uint8_t)val;
	p[4] = (uint8_t)(val >> 8);
	p[5] = (uint8_t)(val >> 16);
	p[6] = (uint8_t)(val >> 24);
	p[7] = (uint8_t)raw;
	s->len += 8;
}

/*
 * One script for every space: all ones then zero into every dword of the
 * standard space and the start of the extended one (BAR sizing, the
 * command register, RW1C status, MSI/MSI-X/PASID controls wherever they
 * are; an Initiate FLR bit in there resets), then a pattern that avoids
 * the FLR bits (bit 15 of PCI Express Device Control, bit 0 of Advanced
 * Features Control) so that a replay has state to write back, unaligned and
 * out-of-range accesses, device-side changes, failing device calls,
 * replays, reset and save/load (plain and corrupted).
 */
static void vdev_script(struct script *s)
{
	for (unsigned int off = 0; off < 0x100; off += 4) {
		vop(s, V_WRITE | V_L4, off, 0xffffffff, 0);
		vop(s, V_READ | V_L4, off, 0, 0);
		vop(s, V_WRITE | V_L4, off, 0, 0);
	}
	for (unsigned int off = 0x100; off < 0x400; off += 8) {
		vop(s, V_WRITE | V_L4, off + 4, 0xffffffff, 0);
		vop(s, V_READ | V_L4, off, 0, 0);
	}
	vop(s, V_WRITE | V_L4, 0xff8, 0xffffffff, 0);
	vop(s, V_WRITE | V_L4, 0xffc, 0xffffffff, 0);
	vop(s, V_SAVE, 0, 0, 0);
	for (unsigned int off = 0; off < 0x100; off += 4)
		vop(s, V_WRITE | V_L4, off, 0xfffe7ffe, 0);
	vop(s, V_RESET, 0, 1, 0);			/* replay */
	vop(s, V_RESET | V_FAIL, 0, 1, 0);	/* replay, the device fails */
	vop(s, V_SAVE, 0, 0, 0);
	vop(s, V_POKE, 0x06, 0xffff0000, 0);	/* status: all error bits */
	vop(s, V_WRITE | V_L2, 0x06, 0x8100, 0);	/* clear two of them */
	vop(s, V_READ | V_L4, 0x04, 0, 0);
	vop(s, V_WRITE | V_L4, 0x05, 0x01020304, 0);	/* unaligned */
	vop(s, V_WRITE | V_L2, 0x03, 0xffff, 0);
	vop(s, V_READ | V_L4, 0x3e, 0, 0);
	vop(s, V_READ | V_L4, 0xffe, 0, 0);	/* crosses the end */
	vop(s, V_READ | V_LRAW, 0x10, 0, 3);	/* bad length */
	vop(s, V_WRITE | V_FAR, 0x1000, 1, 0);
	vop(s, V_WRITE | V_L2 | V_FAIL, 0x04, 0x0006, 0);
	vop(s, V_READ | V_L4 | V_FAIL, 0x08, 0, 0);
	vop(s, V_WRITE | V_L4 | V_FAIL, 0x04, 0xffff0407, 0);
	vop(s, V_POKE, 0x100, 0xffffffff, 0);	/* a hidden cap's bytes */
	vop(s, V_SAVE, 0x1234, 0, 0x80);	/* corrupted blob */
	vop(s, V_RESET, 0, 0, 0);
	vop(s, V_SAVE, 0, 0, 0);
}

static int vdev_seed(const char *name, const uint8_t *cfg, size_t clen)
{
	static const uint8_t flags[] = { 0x04, 0x1d, 0x6e, 0x0b };
	static struct script s;
	char full[320];

	for (size_t k = 0; k < sizeof(flags); k++) {
		s.len = 0;
		s.b[0] = flags[k];
		s.b[1] = 0x13;	/* PASID width 20; 4 KiB BAR 0, 2 KiB ROM */
		s.b[2] = (uint8_t)clen;
		s.b[3] = (uint8_t)(clen >> 8);
		memcpy(s.b + 4, cfg, clen);
		s.len = 4 + clen;
		vdev_script(&s);
		snprintf(full, sizeof(full), "%s-%02x", name, flags[k]);
		if (put("vdev", full, s.b, s.len) < 0)
			return -1;
	}
	return 0;
}

/* The example devices of the documentation, when the tree is given. */
static int vdev_examples(const char *srcdir)
{
	struct pcl_ctx *ctx = pcl_ctx_new();
	char dir[4096], path[4096 + 256];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	if (!ctx)
		return -1;
	snprintf(dir, sizeof(dir), "%s/examples/devices", srcdir);
	d = opendir(dir);
	if (!d) {
		pcl_ctx_free(ctx);
		return -1;
	}
	while (ret == 0 && (de = readdir(d))) {
		struct pcl_cfg **cfgs = NULL;
		size_t n = 0;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (pcl_cfg_load(ctx, path, &cfgs, &n, NULL) < 0)
			continue;
		for (size_t i = 0; i < n && ret == 0; i++) {
			char name[300];

			snprintf(name, sizeof(name), "example-%s-%zu",
				 de->d_name, i);
			ret = vdev_seed(name, pcl_cfg_data(cfgs[i]),
					pcl_cfg_size(cfgs[i]));
		}
		pcl_cfg_list_free(cfgs, n);
	}
	closedir(d);
	pcl_ctx_free(ctx);
	return ret;
}

int main(int argc, char **argv)
{
	static char text[1 << 20];
	size_t all = 0;
	char name[128], slot[16];

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: fuzz_seeds OUTDIR [SRCDIR]\n");
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) < 0 && errno != EEXIST) {
		perror(outdir);
		return 1;
	}
	build_all();
	for (int i = 0; i < nseeds; i++) {
		const struct space *s = &seeds[i];
		size_t n;

		snprintf(slot, sizeof(slot), "%02x:00.0", i);
		snprintf(name, sizeof(name), "%s.bin", names[i]);
		if (put("walk", name, s->b, s->len) < 0 ||
		    put("dump", name, s->b, s->len) < 0)
			goto fail;
		n = dump_text(s, slot, text, sizeof(text), 0);
		snprintf(name, sizeof(name), "%s.lspci", names[i]);
		if (put("dump", name, text, n) < 0)
			goto fail;
		if (s->len >= 64 && vdev_seed(names[i], s->b, s->len) < 0)
			goto fail;
	}
	/* All of them in one file: the multi-device path of the parser. */
	for (int i = 0; i < nseeds; i++) {
		snprintf(slot, sizeof(slot), "%02x:01.%d", i, i & 7);
		all = dump_text(&seeds[i], slot, text, sizeof(text), all);
	}
	if (put("dump", "all.lspci", text, all) < 0)
		goto fail;
	if (dvsec_seeds() < 0)
		goto fail;
	if (argc == 3 && vdev_examples(argv[2]) < 0)
		goto fail;
	/*
	 * Layout files need no generated seeds: fuzz/inputs.sh feeds the
	 * shipped examples/, data/quirks/ and tests/fixtures/ files.
	 */
	printf("fuzz_seeds: %d spaces written to %s\n", nseeds, outdir);
	return 0;
fail:
	fprintf(stderr, "fuzz_seeds: %s: %s\n", outdir, strerror(errno));
	return 1;
}
