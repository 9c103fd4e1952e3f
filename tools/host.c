// SPDX-License-Identifier: BSD-3-Clause
/*
 * host.c - a host's IOMMUs and the links of its functions, from sysfs.
 *
 * The kernel reports PASID to a VMM through IOMMU_GET_HW_INFO
 * (out_max_pasid_log2 = log2 of the IOMMU's max_pasids), which needs an
 * open iommufd device. sysfs gives the same width without one: Intel's
 * driver sets max_pasids = 2 << ecap.PSS when ecap has PASID and scalable
 * mode, AMD's from EFR.PASmax. Those registers are what this file reads,
 * so `collect` and `check` need no VFIO setup. The execute and privileged
 * bits of IOMMU_GET_HW_INFO come from the device's own PASID control
 * register, not from the IOMMU, and are not decoded here.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "host.h"

/* Intel VT-d Extended Capability Register (VT-d specification 11.4.3). */
#define VTD_ECAP_PSS_SHIFT 35 /* PASID Size Supported: the width minus 1 */
#define VTD_ECAP_PSS_MASK 0x1fu
#define VTD_ECAP_PASID (1ull << 40) /* PASID Support */
#define VTD_ECAP_SMTS (1ull << 43)  /* Scalable Mode Translation Support */

/* AMD IOMMU Extended Feature Register (AMD IOMMU specification 3.4.12). */
#define AMD_EFR_GTSUP (1ull << 4) /* Guest Translation: PASID tables */
#define AMD_EFR_PASMAX_SHIFT 32    /* PASmax: the width minus 1 */
#define AMD_EFR_PASMAX_MASK 0x1fu

const char *host_sysfs(void)
{
	/* The variable lib/source/sysfs.c reads, so that both see one tree. */
	const char *env = getenv("PCILAYOUT_SYSFS");

	return env && *env ? env : "/sys";
}

/* A small attribute's text, without the trailing newline; false if absent. */
static bool read_attr(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return true;
}

/* The last component of the link @path points to, into @buf. */
static bool link_name(const char *path, char *buf, size_t size)
{
	char target[PATH_MAX];
	const char *base;
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	int len;

	if (n <= 0)
		return false;
	target[n] = '\0';
	base = strrchr(target, '/');
	/* A name that does not fit is not a name we know, not a shorter one. */
	len = snprintf(buf, size, "%s", base ? base + 1 : target);
	return len > 0 && (size_t)len < size;
}

/* Hex text as sysfs prints it ("%llx", maybe "0x"); false if malformed. */
static bool parse_hex64(const char *s, uint64_t *v)
{
	char *end;

	if (!s[0] || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 16);
	return !errno && end != s && !*end;
}

void host_decode_intel(const char *ecap, struct host_pasid *p)
{
	uint64_t e;
	unsigned int pss;

	memset(p, 0, sizeof(*p));
	if (!parse_hex64(ecap, &e)) {
		snprintf(p->why, sizeof(p->why),
			 "ecap '%.64s' is not a hex number", ecap);
		return;
	}
	p->known = true;
	pss = (unsigned int)(e >> VTD_ECAP_PSS_SHIFT) & VTD_ECAP_PSS_MASK;
	if (!(e & VTD_ECAP_PASID)) {
		snprintf(p->why, sizeof(p->why),
			 "ecap 0x%llx: PASID Support (bit 40) is clear: no PASID",
			 (unsigned long long)e);
	} else if (!(e & VTD_ECAP_SMTS)) {
		snprintf(p->why, sizeof(p->why),
			 "ecap 0x%llx: PASID Support (bit 40) is set, but Linux uses PASID only in scalable mode, and Scalable Mode Translation Support (bit 43) is clear: no PASID",
			 (unsigned long long)e);
	} else {
		p->width = (int)pss + 1;
		snprintf(p->why, sizeof(p->why),
			 "ecap 0x%llx: PASID Support (bit 40) and Scalable Mode Translation Support (bit 43) are set, PASID Size Supported (bits 39:35) is %u: width %d",
			 (unsigned long long)e, pss, p->width);
	}
}

static void amd_efr(uint64_t efr, struct host_pasid *p)
{
	unsigned int pasmax = (unsigned int)(efr >> AMD_EFR_PASMAX_SHIFT) &
			      AMD_EFR_PASMAX_MASK;

	p->known = true;
	p->width = efr & AMD_EFR_GTSUP ? (int)pasmax + 1 : 0;
	if (p->width)
		snprintf(p->why, sizeof(p->why),
			 "EFR 0x%llx: GTSup (bit 4) is set, PASmax (bits 36:32) is %u: width %d",
			 (unsigned long long)efr, pasmax, p->width);
	else
		snprintf(p->why, sizeof(p->why),
			 "EFR 0x%llx: GTSup (bit 4) is clear: no PASID",
			 (unsigned long long)efr);
}

void host_decode_amd(const char *features, struct host_pasid *p)
{
	char a[32], b[32];
	const char *colon = strchr(features, ':');
	struct host_pasid pa, pb;
	uint64_t va, vb;

	memset(p, 0, sizeof(*p));
	if (!colon) {
		if (parse_hex64(features, &va))
			amd_efr(va, p);
		else
			snprintf(p->why, sizeof(p->why),
				 "features '%.64s' is not a hex number", features);
		return;
	}
	snprintf(a, sizeof(a), "%.*s", (int)(colon - features), features);
	snprintf(b, sizeof(b), "%s", colon + 1);
	if (!parse_hex64(a, &va) || !parse_hex64(b, &vb)) {
		snprintf(p->why, sizeof(p->why),
			 "features '%.64s' is not two hex numbers", features);
		return;
	}
	/*
	 * Linux 6.0 printed "EFR2:EFR"; later kernels print "EFR:EFR2".
	 * Read both ways: when they agree, the answer does not depend on
	 * the order.
	 */
	amd_efr(va, &pa);
	amd_efr(vb, &pb);
	if (pa.width == pb.width) {
		*p = pa;
		snprintf(p->why, sizeof(p->why),
			 "features %s:%s: either value read as EFR gives %s (width %d)",
			 a, b, pa.width ? "PASID" : "no PASID", pa.width);
		return;
	}
	snprintf(p->why, sizeof(p->why),
		 "features %s:%s holds EFR and EFR2 in an order that depends on the kernel version, and the two readings disagree (widths %d and %d)",
		 a, b, pa.width, pb.width);
}

static const struct {
	const char *dir;   /* the driver's attribute group */
	const char *type;  /* what the bundle calls it */
	void (*decode)(const char *text, struct host_pasid *p);
	const char *decode_attr;
} iommu_kinds[] = {
	{ "intel-iommu", "intel-vt-d", host_decode_intel, "ecap" },
	{ "amd-iommu", "amd-vi", host_decode_amd, "features" },
};

/* At most this many attributes of an IOMMU are kept (Linux has 6). */
#define HOST_IOMMU_ATTRS 32

/* Every attribute of the driver's group @dir, as the kernel wrote it. */
static json_t *iommu_attrs(const char *dir)
{
	json_t *attrs = json_object();
	char path[PATH_MAX + 256], text[128];
	struct dirent *de;
	size_t n = 0;
	DIR *d = opendir(dir);

	while (d && attrs && (de = readdir(d)) && n < HOST_IOMMU_ATTRS) {
		json_t *v;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (!read_attr(path, text, sizeof(text)))
			continue;
		v = json_string(text);
		json_object_set_new(attrs, de->d_name, v ? v : json_null());
		n++;
	}
	if (d)
		closedir(d);
	return attrs;
}

json_t *host_iommu_json(const char *name, struct host_pasid *p)
{
	struct host_pasid dummy;
	json_t *o = json_object(), *attrs = NULL, *pj = json_object();
	char path[PATH_MAX];

	if (!p)
		p = &dummy;
	memset(p, 0, sizeof(*p));
	snprintf(p->why, sizeof(p->why),
		 "%s: no attribute of a known IOMMU driver (intel-iommu/ecap, amd-iommu/features)",
		 name);
	json_object_set_new(o, "name", json_string(name));
	json_object_set_new(o, "type", json_null());
	for (size_t k = 0; k < sizeof(iommu_kinds) / sizeof(iommu_kinds[0]); k++) {
		const char *text;

		snprintf(path, sizeof(path), "%s/class/iommu/%s/%s", host_sysfs(),
			 name, iommu_kinds[k].dir);
		if (access(path, F_OK) != 0)
			continue;
		json_object_set_new(o, "type", json_string(iommu_kinds[k].type));
		attrs = iommu_attrs(path);
		text = json_string_value(json_object_get(attrs,
							 iommu_kinds[k].decode_attr));
		if (text)
			iommu_kinds[k].decode(text, p);
		break;
	}
	json_object_set_new(o, "attributes", attrs ? attrs : json_object());
	json_object_set_new(pj, "known", json_boolean(p->known));
	json_object_set_new(pj, "max_width", p->known ? json_integer(p->width) :
				json_null());
	json_object_set_new(pj, "reason", json_string(p->why));
	json_object_set_new(o, "pasid", pj);
	return o;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

json_t *host_iommu_names(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	char *names[256];
	size_t n = 0;
	json_t *a;
	DIR *d;

	snprintf(path, sizeof(path), "%s/class/iommu", host_sysfs());
	d = opendir(path);
	if (!d)
		return NULL;
	while ((de = readdir(d)) && n < sizeof(names) / sizeof(names[0])) {
		if (de->d_name[0] == '.')
			continue;
		names[n] = strdup(de->d_name);
		if (names[n])
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(names[0]), name_cmp);
	a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(a, json_string(names[i]));
		free(names[i]);
	}
	return a;
}

void host_function(const char *slot, char *iommu, size_t isize, long *group,
		   char *driver, size_t dsize)
{
	char path[PATH_MAX], buf[64], *end;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/iommu", host_sysfs(),
		 slot);
	if (!link_name(path, iommu, isize))
		iommu[0] = '\0';
	*group = -1;
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/iommu_group",
		 host_sysfs(), slot);
	if (link_name(path, buf, sizeof(buf))) {
		errno = 0;
		*group = strtol(buf, &end, 10);
		if (errno || *end || *group < 0)
			*group = -1;
	}
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver", host_sysfs(),
		 slot);
	if (!link_name(path, driver, dsize))
		driver[0] = '\0';
}

void host_function_pasid(const char *slot, struct host_pasid *p)
{
	char iommu[64], driver[64];
	long group;
	json_t *j;

	host_function(slot, iommu, sizeof(iommu), &group, driver,
		      sizeof(driver));
	if (!iommu[0]) {
		memset(p, 0, sizeof(*p));
		p->known = true;
		snprintf(p->why, sizeof(p->why),
			 "%s has no IOMMU (no iommu link in sysfs): no PASID",
			 slot);
		return;
	}
	j = host_iommu_json(iommu, p);
	json_decref(j);
	if (p->known) {
		char why[sizeof(p->why) + sizeof(iommu) + 2];

		snprintf(why, sizeof(why), "%s: %s", iommu, p->why);
		snprintf(p->why, sizeof(p->why), "%.*s",
			 (int)sizeof(p->why) - 1, why);
	}
}
