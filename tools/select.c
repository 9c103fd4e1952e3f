// SPDX-License-Identifier: BSD-3-Clause
/*
 * select.c - -s and -d as lspci(8) reads them: every field is hex and may
 * be left empty or written "*" to match anything; -s without a domain
 * matches every domain. One selection per run, so it lives here rather
 * than in each command.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "select.h"

#define ANY (-1L)

static struct {
	long domain, bus, dev, fn;          /* -s */
	long vendor, device, klass, progif; /* -d; klass: base << 8 | sub */
	bool have_s, have_d;
	char text[160];
} sel = { ANY, ANY, ANY, ANY, ANY, ANY, ANY, ANY, false, false, "" };

/*
 * One field of [@s, @e): empty or "*" is ANY, else 1 to 8 hex digits not
 * above @max. false when malformed.
 */
static bool field(const char *s, const char *e, long max, long *out)
{
	char buf[16], *end;
	size_t n = (size_t)(e - s);
	unsigned long v;

	if (n == 0 || (n == 1 && *s == '*')) {
		*out = ANY;
		return true;
	}
	if (n > 8)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", buf[i]))
			return false;
	errno = 0;
	v = strtoul(buf, &end, 16);
	if (errno || *end || v > (unsigned long)max)
		return false;
	*out = (long)v;
	return true;
}

/* [[domain:]bus:][slot][.func] */
static int parse_slot(const char *arg)
{
	const char *colon = strrchr(arg, ':'), *dev = colon ? colon + 1 : arg;
	const char *dot = strchr(dev, '.'), *end = arg + strlen(arg);
	const char *first = colon ? memchr(arg, ':', (size_t)(colon - arg)) : NULL;

	sel.domain = sel.bus = ANY;
	if (first && !field(arg, first, 0x7fffffffL, &sel.domain)) {
		cli_error("-s '%s': invalid domain (hex, at most 0x7fffffff)", arg);
		return -1;
	}
	if (colon && !field(first ? first + 1 : arg, colon, 0xff, &sel.bus)) {
		cli_error("-s '%s': invalid bus number (hex, 00 to ff)", arg);
		return -1;
	}
	if (!field(dev, dot ? dot : end, 0x1f, &sel.dev)) {
		cli_error("-s '%s': invalid device number (hex, 00 to 1f)", arg);
		return -1;
	}
	sel.fn = ANY;
	if (dot && !field(dot + 1, end, 7, &sel.fn)) {
		cli_error("-s '%s': invalid function number (0 to 7)", arg);
		return -1;
	}
	sel.have_s = true;
	return 0;
}

/* [vendor]:[device][:class[:prog-if]] */
static int parse_ids(const char *arg)
{
	static const char *const what[] = { "vendor ID", "device ID", "class",
					    "programming interface" };
	static const long max[] = { 0xffff, 0xffff, 0xffff, 0xff };
	long *dst[] = { &sel.vendor, &sel.device, &sel.klass, &sel.progif };
	const char *p = arg;
	int n = 0;

	if (!strchr(arg, ':')) {
		cli_error("-d '%s': expected [VENDOR]:[DEVICE][:CLASS[:PROGIF]], e.g. 8086: or :1563",
			  arg);
		return -1;
	}
	for (;;) {
		const char *e = strchr(p, ':');

		if (!e)
			e = p + strlen(p);
		if (n == 4 || !field(p, e, max[n], dst[n])) {
			cli_error("-d '%s': invalid %s (hex, at most 0x%lx)", arg,
				  what[n < 4 ? n : 3], max[n < 4 ? n : 3]);
			return -1;
		}
		n++;
		if (!*e)
			break;
		p = e + 1;
	}
	sel.have_d = true;
	return 0;
}

int cli_select_option(int c, const char *arg)
{
	size_t n = strlen(sel.text);
	int r;

	if (c != 's' && c != 'd')
		return 0;
	r = c == 's' ? parse_slot(arg) : parse_ids(arg);
	if (r < 0)
		return -1;
	snprintf(sel.text + n, sizeof(sel.text) - n, "%s-%c %s", n ? " " : "",
		 c, arg);
	return 1;
}

bool cli_select_active(void)
{
	return sel.have_s || sel.have_d;
}

/* The hex digits of @s up to @stop, at most @max: into *@v, *@end after. */
static bool hexpart(const char *s, char stop, unsigned long max,
		    unsigned long *v, const char **end)
{
	char *e;

	if (!*s || !strchr("0123456789abcdefABCDEF", *s))
		return false;
	errno = 0;
	*v = strtoul(s, &e, 16);
	if (errno || *e != stop || *v > max)
		return false;
	*end = e + (stop ? 1 : 0);
	return true;
}

bool cli_slot_parse(const char *s, unsigned long *domain, unsigned long *bus,
		    unsigned long *dev, unsigned long *fn)
{
	const char *p = s;

	return hexpart(p, ':', 0x7fffffffUL, domain, &p) &&
	       hexpart(p, ':', 0xff, bus, &p) && hexpart(p, '.', 0x1f, dev, &p) &&
	       hexpart(p, '\0', 7, fn, &p);
}

static bool eq(long want, unsigned long v)
{
	return want == ANY || (unsigned long)want == v;
}

bool cli_select_match(const struct pcl_cfg *cfg)
{
	if (sel.have_s) {
		const char *slot = pcl_cfg_slot(cfg);
		unsigned long dom, bus, dev, fn;

		if (!slot || !cli_slot_parse(slot, &dom, &bus, &dev, &fn))
			return false;
		if (!eq(sel.domain, dom) || !eq(sel.bus, bus) ||
		    !eq(sel.dev, dev) || !eq(sel.fn, fn))
			return false;
	}
	if (sel.have_d) {
		struct pcl_identity id;

		pcl_cfg_identity(cfg, &id);
		if (!eq(sel.vendor, id.vendor_id) || !eq(sel.device, id.device_id) ||
		    !eq(sel.klass, id.class_code >> 8) ||
		    !eq(sel.progif, id.class_code & 0xff))
			return false;
	}
	return true;
}

bool cli_select_address(char *buf, size_t size)
{
	if (!sel.have_s || sel.bus == ANY || sel.dev == ANY || sel.fn == ANY)
		return false;
	snprintf(buf, size, "%04lx:%02lx:%02lx.%lx",
		 sel.domain == ANY ? 0L : sel.domain, sel.bus, sel.dev, sel.fn);
	return true;
}

bool cli_select_ids(uint16_t *vendor, uint16_t *device)
{
	if (!sel.have_d || sel.vendor == ANY || sel.device == ANY)
		return false;
	*vendor = (uint16_t)sel.vendor;
	*device = (uint16_t)sel.device;
	return true;
}

const char *cli_select_text(void)
{
	return sel.text;
}
