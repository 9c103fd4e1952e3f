/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * select.h - lspci's selection, for every command that takes a device:
 * -s [[domain:]bus:][slot][.func] and -d [vendor]:[device][:class[:prog-if]]
 * (hex; an empty or "*" field matches anything). They narrow the
 * functions of a dump, a bundle or the live system.
 */
#ifndef PCILAYOUT_SELECT_H
#define PCILAYOUT_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcilayout/pcilayout.h>

/* The long options; 's' and 'd' in every command's optstring. */
#define CLI_SELECT_OPTIONS \
	{ "slot", required_argument, NULL, 's' }, \
	{ "device", required_argument, NULL, 'd' }
#define CLI_SELECT_USAGE \
	"  -s, --slot [[DOM:]BUS:][DEV][.FN]  only functions at these addresses\n" \
	"  -d, --device [VEN]:[DEV][:CLASS[:PROGIF]]  only these IDs (class:\n" \
	"                         base class and subclass, 4 hex digits)\n"

/*
 * Take getopt's 's' or 'd' with its argument. Returns 1 when taken, 0 when
 * @c is another option, -1 after reporting a malformed argument.
 */
int cli_select_option(int c, const char *arg);

/*
 * Parse a full address "dddd:bb:dd.f" (a function's slot, as sysfs and
 * the library write it). false when it is not one.
 */
bool cli_slot_parse(const char *s, unsigned long *domain, unsigned long *bus,
		    unsigned long *dev, unsigned long *fn);

/* Whether -s or -d was given. */
bool cli_select_active(void);

/* Whether @cfg passes -s and -d (a function without an address fails -s). */
bool cli_select_match(const struct pcl_cfg *cfg);

/*
 * When -s names one function completely (domain, bus, device and function,
 * the domain 0 when left out), its address "dddd:bb:dd.f" into @buf
 * (at least 16 bytes): it can be read alone from sysfs. Else false.
 */
bool cli_select_address(char *buf, size_t size);

/* Whether -d names both a vendor and a device ID; then they go to @v, @d. */
bool cli_select_ids(uint16_t *vendor, uint16_t *device);

/* "-s 3b:00.0 -d 8086:" for messages: what the user selected. */
const char *cli_select_text(void);

#endif /* PCILAYOUT_SELECT_H */
