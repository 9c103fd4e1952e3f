// SPDX-License-Identifier: BSD-3-Clause
/*
 * emit.c - `plan --emit`: one list of what stock QEMU cannot express
 * (everything in a plan beyond what QEMU does by default, save the
 * virtual PASID offset, which x-vpasid-cap-offset carries), written three
 * ways. The QEMU property is the same in all three; libvirt passes it
 * through <qemu:override> (libvirt 8.2 and later), which names the device
 * by a user alias ("ua-" prefix) set on the <hostdev>.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "emit.h"

#define QEMU_VPASID_PROP "x-vpasid-cap-offset"
#define LIBVIRT_QEMU_NS "http://libvirt.org/schemas/domain/qemu/1.0"

int emit_parse(const char *arg, enum emit_kind *kind)
{
	if (!strcmp(arg, "qemu"))
		*kind = EMIT_QEMU;
	else if (!strcmp(arg, "qemu-json"))
		*kind = EMIT_QEMU_JSON;
	else if (!strcmp(arg, "libvirt"))
		*kind = EMIT_LIBVIRT;
	else {
		cli_error("--emit '%s': qemu, qemu-json or libvirt", arg);
		return -1;
	}
	return 0;
}

/* A virtual entry of (@space, @id): then the hidden physical one is
 * simply replaced, which the virtual entry's own line explains. */
static bool has_virtual(const struct pcl_layout *l, int space, uint16_t id)
{
	for (size_t i = 0; i < pcl_layout_entry_count(l, space); i++) {
		const struct pcl_layout_entry *e = pcl_layout_entry(l, space, i);

		if (e->kind == PCL_ENTRY_VIRTUAL && e->id == id)
			return true;
	}
	return false;
}

/* What stock QEMU does not do for entry @e of @l, into @line, or "". */
static void unexpressed(const struct pcl_layout *l, int s,
			const struct pcl_layout_entry *e,
			const struct pcl_walk *w, char *line, size_t size)
{
	char nb[16];
	const char *name = pcl_layout_cap_label(e->space, e->id, nb, sizeof(nb));
	const struct pcl_cap *c;
	const char *why;

	line[0] = '\0';
	if (e->kind == PCL_ENTRY_HIDDEN) {
		if (!pcl_plan_default_hidden(s, e->id, NULL) &&
		    !has_virtual(l, s, e->id))
			snprintf(line, size,
				 "%s is hidden: QEMU hides only what the kernel hides plus SR-IOV and ARI",
				 name);
	} else if (e->kind == PCL_ENTRY_VIRTUAL) {
		if (e->generator == PCL_GEN_DSN)
			snprintf(line, size,
				 "a virtual DSN at 0x%x: QEMU has no property to synthesize a serial number",
				 (unsigned int)e->at);
		else if (e->generator == PCL_GEN_BYTES ||
			 (e->generator == PCL_GEN_NULL &&
			  e->at != PCL_EXT_CAP_START))
			snprintf(line, size,
				 "a virtual %s at 0x%x: QEMU cannot add literal capabilities",
				 name, (unsigned int)e->at);
	} else {
		c = w ? pcl_walk_find(w, s, e->id, e->instance) : NULL;
		if (c && c->offset != e->at)
			snprintf(line, size,
				 "%s moved from 0x%x to 0x%x: QEMU shows capabilities only at their physical offsets",
				 name, c->offset, (unsigned int)e->at);
		else if (pcl_plan_default_hidden(s, e->id, &why))
			snprintf(line, size, "%s at 0x%x is presented, but %s",
				 name, (unsigned int)e->at, why);
	}
}

/* Everything of @l a QEMU command line cannot say, as a JSON array. */
static json_t *missing_list(const struct pcl_layout *l,
			    const struct pcl_cfg *cfg)
{
	struct pcl_walk *w = pcl_walk_new(cfg);
	json_t *a = json_array();
	char line[512];

	if (!pcl_cfg_slot(cfg))
		json_array_append_new(a, json_string(
			"the device's PCI address: the source names none (a dump without one, or a binary)"));
	for (int s = 0; s < 2; s++) {
		for (size_t i = 0; i < pcl_layout_entry_count(l, s); i++) {
			unexpressed(l, s, pcl_layout_entry(l, s, i), w, line,
				    sizeof(line));
			if (line[0])
				json_array_append_new(a, json_string(line));
		}
	}
	pcl_walk_free(w);
	return a;
}

/* Notes on what the properties mean, the same for every target. */
static json_t *notes(const struct pcl_layout_entry *pasid)
{
	json_t *a = json_array();
	char buf[512], desc[128];

	if (!pasid)
		return a;
	snprintf(buf, sizeof(buf),
		 QEMU_VPASID_PROP " is an experimental property (QEMU 11.0 and later, no stable ABI). QEMU synthesizes PASID only when the vIOMMU reports PASID support, and takes its width, execute and privileged bits from IOMMU_GET_HW_INFO, not from this plan, whose virtual PASID is: %s.",
		 pcl_vcap_describe(pasid, desc, sizeof(desc)));
	json_array_append_new(a, json_string(buf));
	return a;
}

/* "0000:02:00.0" -> "pcilayout-0000-02-00-0": a QEMU id and libvirt alias. */
static void device_id(const struct pcl_cfg *cfg, char *buf, size_t size)
{
	const char *slot = pcl_cfg_slot(cfg);

	snprintf(buf, size, "pcilayout-%s", slot ? slot : "device");
	for (char *p = buf; *p; p++)
		if (*p == ':' || *p == '.')
			*p = '-';
}

/* @text as "# " comment lines of at most 76 columns, broken at blanks. */
static void print_comment(const char *first, const char *next,
			  const char *text)
{
	const char *prefix = first;

	while (*text) {
		size_t room = 76 - strlen(prefix), n = strlen(text);

		if (n > room) {
			n = room;
			while (n > 0 && text[n] != ' ')
				n--;
			if (!n)
				n = strcspn(text, " ");
		}
		printf("%s%.*s\n", prefix, (int)n, text);
		text += n;
		while (*text == ' ')
			text++;
		prefix = next;
	}
}

static void print_qemu(const struct pcl_layout *l, const struct pcl_cfg *cfg,
		       const struct pcl_layout_entry *pasid, json_t *missing,
		       json_t *note)
{
	const char *slot = pcl_cfg_slot(cfg);
	size_t i;

	printf("# QEMU properties for layout %s (pcilayout plan)\n",
	       pcl_layout_name(l));
	printf("-device vfio-pci,host=%s", slot ? slot : "HOST");
	if (pasid)
		printf("," QEMU_VPASID_PROP "=0x%x", (unsigned int)pasid->at);
	printf("\n");
	if (!slot)
		printf("# HOST: the source names no PCI address; put the device's address there.\n");
	for (i = 0; i < json_array_size(note); i++)
		print_comment("# ", "# ", json_string_value(json_array_get(note, i)));
	if (json_array_size(missing))
		printf("# Not expressible with stock QEMU:\n");
	for (i = 0; i < json_array_size(missing); i++)
		print_comment("#   - ", "#     ",
			      json_string_value(json_array_get(missing, i)));
	if (!json_array_size(missing))
		printf("# Everything else in the plan is what QEMU does by default.\n");
}

static void print_qemu_json(const struct pcl_layout *l,
			    const struct pcl_cfg *cfg,
			    const struct pcl_layout_entry *pasid,
			    json_t *missing, json_t *note)
{
	json_t *doc = cli_doc_new("qemu"), *dev = json_object(),
	       *qmp = json_object(), *lay = json_object();
	const char *slot = pcl_cfg_slot(cfg);
	char id[64], fp[PCL_FINGERPRINT_SIZE] = "";

	device_id(cfg, id, sizeof(id));
	json_object_set_new(dev, "driver", json_string("vfio-pci"));
	if (slot)
		json_object_set_new(dev, "host", json_string(slot));
	json_object_set_new(dev, "id", json_string(id));
	if (pasid)
		json_object_set_new(dev, QEMU_VPASID_PROP, json_integer(pasid->at));
	json_object_set_new(qmp, "execute", json_string("device_add"));
	json_object_set_new(qmp, "arguments", json_deep_copy(dev));
	pcl_layout_fingerprint(l, fp);
	json_object_set_new(lay, "name", json_string(pcl_layout_name(l)));
	json_object_set_new(lay, "revision", json_integer(pcl_layout_revision(l)));
	json_object_set_new(lay, "fingerprint", json_string(fp));
	json_object_set_new(doc, "layout", lay);
	json_object_set_new(doc, "device", dev);
	json_object_set_new(doc, "device_add", qmp);
	json_object_set_new(doc, "complete", json_boolean(!json_array_size(missing)));
	json_object_set_new(doc, "unexpressed", json_incref(missing));
	json_object_set_new(doc, "notes", json_incref(note));
	cli_doc_print(doc);
}

/* Text for an XML comment: "--" may not appear in one. */
static void xml_comment(const char *indent, const char *text)
{
	printf("%s<!-- ", indent);
	for (const char *p = text; *p; p++) {
		putchar(*p);
		if (*p == '-' && p[1] == '-')
			putchar(' ');
	}
	printf(" -->\n");
}

static void print_libvirt(const struct pcl_layout *l,
			  const struct pcl_cfg *cfg,
			  const struct pcl_layout_entry *pasid,
			  json_t *missing, json_t *note)
{
	const char *slot = pcl_cfg_slot(cfg);
	unsigned long dom, bus, dev, fn;
	char id[64], text[256];
	size_t i;

	device_id(cfg, id, sizeof(id));
	printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	snprintf(text, sizeof(text),
		 "pcilayout plan: layout %s revision %u. Put <hostdev> in the domain's <devices> and <qemu:override> in <domain>; the alias ties them.",
		 pcl_layout_name(l), pcl_layout_revision(l));
	xml_comment("", text);
	for (i = 0; i < json_array_size(note); i++)
		xml_comment("", json_string_value(json_array_get(note, i)));
	for (i = 0; i < json_array_size(missing); i++) {
		snprintf(text, sizeof(text), "Not expressible: %s",
			 json_string_value(json_array_get(missing, i)));
		xml_comment("", text);
	}
	printf("<domain xmlns:qemu=\"" LIBVIRT_QEMU_NS "\">\n"
	       "  <devices>\n"
	       "    <hostdev mode=\"subsystem\" type=\"pci\" managed=\"yes\">\n"
	       "      <source>\n");
	if (slot && cli_slot_parse(slot, &dom, &bus, &dev, &fn))
		printf("        <address domain=\"0x%04lx\" bus=\"0x%02lx\" slot=\"0x%02lx\" function=\"0x%lx\"/>\n",
		       dom, bus, dev, fn);
	else
		xml_comment("        ", "the source names no PCI address: add <address domain= bus= slot= function=/>");
	printf("      </source>\n"
	       "      <alias name=\"ua-%s\"/>\n"
	       "    </hostdev>\n"
	       "  </devices>\n", id);
	if (pasid)
		printf("  <qemu:override>\n"
		       "    <qemu:device alias=\"ua-%s\">\n"
		       "      <qemu:frontend>\n"
		       "        <qemu:property name=\"" QEMU_VPASID_PROP "\" type=\"unsigned\" value=\"%u\"/>\n"
		       "      </qemu:frontend>\n"
		       "    </qemu:device>\n"
		       "  </qemu:override>\n",
		       id, (unsigned int)pasid->at);
	printf("</domain>\n");
}

long emit_print(enum emit_kind kind, const struct pcl_layout *l,
		const struct pcl_cfg *cfg)
{
	const struct pcl_layout_entry *pasid = pcl_layout_find_virtual(l, PCL_GEN_PASID);
	json_t *missing = missing_list(l, cfg), *note = notes(pasid);
	long n;

	if (!missing || !note) {
		json_decref(missing);
		json_decref(note);
		cli_error("out of memory");
		return -1;
	}
	if (kind == EMIT_QEMU)
		print_qemu(l, cfg, pasid, missing, note);
	else if (kind == EMIT_QEMU_JSON)
		print_qemu_json(l, cfg, pasid, missing, note);
	else
		print_libvirt(l, cfg, pasid, missing, note);
	n = (long)json_array_size(missing);
	json_decref(missing);
	json_decref(note);
	return n;
}
