// SPDX-License-Identifier: BSD-3-Clause
/*
 * map-common.c - option handling and map building shared by `map` and
 * `gaps`. The quirk database is loaded once per run; a malformed quirk file
 * is a usage error (exit 2) with every problem listed as file:line:column,
 * and a missing database a warning, or with --strict an error (exit 2).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "map-common.h"

int mapcli_add_quirk_dir(struct mapcli *m, const char *dir)
{
	if (m->n_quirk_dirs == sizeof(m->quirk_dirs) / sizeof(m->quirk_dirs[0])) {
		cli_error("too many --quirks directories");
		return -1;
	}
	m->quirk_dirs[m->n_quirk_dirs++] = dir;
	return 0;
}

int mapcli_option(struct mapcli *m, int c, const char *arg)
{
	switch (c) {
	case MAPCLI_OPT_QUIRKS:
		return mapcli_add_quirk_dir(m, arg) < 0 ? -1 : 1;
	case MAPCLI_OPT_NDQ:
		m->no_default_quirks = true;
		return 1;
	case MAPCLI_OPT_STRICT:
		m->strict = true;
		return 1;
	case MAPCLI_OPT_FREE:
		m->free_text = arg;
		return 1;
	default:
		return 0;
	}
}

/* Findings about the database itself ("quirks-missing"). */
static int report_db_findings(const struct mapcli *m)
{
	for (size_t i = 0; i < pcl_quirks_finding_count(m->db); i++) {
		const struct pcl_finding *f = pcl_quirks_finding(m->db, i);

		if (m->strict) {
			cli_error("%s: %s (an error with --strict)", f->code,
				  f->message);
			return -1;
		}
		cli_warn("%s: %s", f->code, f->message);
	}
	return 0;
}

int mapcli_init(struct mapcli *m)
{
	struct pcl_error err = { 0 };
	struct pcl_diag *diag = pcl_diag_new();
	int r = 0;

	m->db = pcl_quirks_new(cli_ctx);
	if (!m->db || !diag) {
		cli_error("out of memory");
		pcl_diag_free(diag);
		return -1;
	}
	for (size_t i = 0; i < m->n_quirk_dirs && !r; i++)
		r = pcl_quirks_add_dir(m->db, m->quirk_dirs[i], diag);
	if (!r && !m->no_default_quirks)
		r = pcl_quirks_add_defaults(m->db, diag);
	if (r) {
		cli_report_diag(diag);
		if (!pcl_diag_count(diag))
			cli_error("cannot load quirks: %s", strerror(-r));
		pcl_diag_free(diag);
		return -1;
	}
	pcl_diag_free(diag);
	if (report_db_findings(m) < 0)
		return -1;
	if (m->free_text &&
	    pcl_range_parse(m->free_text, PCL_RANGE_FREE, "user --free",
			    &m->free_ranges, &m->n_free, &err) < 0) {
		if (err.column)
			cli_error("--free '%s': column %u: %s", m->free_text,
				  err.column, err.message);
		else
			cli_error("--free '%s': %s", m->free_text, err.message);
		return -1;
	}
	return 0;
}

int mapcli_load(struct mapcli *m, struct cli_sources *src, char **args,
		int n)
{
	if (mapcli_init(m))
		return -1;
	return cli_sources_args(src, args, n, false);
}

void mapcli_fini(struct mapcli *m)
{
	pcl_quirks_free(m->db);
	pcl_range_list_free(m->free_ranges, m->n_free);
	m->db = NULL;
	m->free_ranges = NULL;
}

int mapcli_build(struct mapcli *m, const struct pcl_cfg *cfg,
		 struct pcl_walk **walk, struct pcl_map **map)
{
	struct pcl_range *q = NULL, *all;
	size_t nq = 0;

	*map = NULL;
	*walk = pcl_walk_new(cfg);
	if (!*walk || pcl_quirks_reserved(m->db, cfg, &q, &nq) < 0) {
		cli_error("%s: %s", pcl_cfg_source(cfg), strerror(errno));
		pcl_walk_free(*walk);
		*walk = NULL;
		return -1;
	}
	/* Quirk ranges first: the map gives earlier ranges precedence. */
	all = malloc((nq + m->n_free + 1) * sizeof(*all));
	if (!all) {
		cli_error("out of memory");
		goto fail;
	}
	if (nq)
		memcpy(all, q, nq * sizeof(*all));
	if (m->n_free)
		memcpy(all + nq, m->free_ranges, m->n_free * sizeof(*all));
	*map = pcl_map_new(*walk, all, nq + m->n_free);
	free(all);
	if (!*map) {
		cli_error("%s: cannot build the map: %s", pcl_cfg_source(cfg),
			  strerror(errno));
		goto fail;
	}
	pcl_range_list_free(q, nq);
	return 0;
fail:
	pcl_range_list_free(q, nq);
	pcl_walk_free(*walk);
	*walk = NULL;
	return -1;
}

struct pcl_map *mapcli_hazards(struct mapcli *m, const struct pcl_cfg *cfg)
{
	struct pcl_hazard_opts o = {
		.quirks = m->db, .ranges = m->free_ranges, .n_ranges = m->n_free,
	};
	struct pcl_map *map = pcl_hazard_map_new(cfg, &o);

	if (!map)
		cli_error("%s: cannot build the hazard map: %s",
			  pcl_cfg_source(cfg), strerror(errno));
	return map;
}

void mapcli_title(const struct pcl_cfg *cfg, char *buf, size_t size)
{
	struct pcl_identity id;
	const char *slot = pcl_cfg_slot(cfg);
	uint32_t line = pcl_cfg_line(cfg);
	int n;

	pcl_cfg_identity(cfg, &id);
	n = snprintf(buf, size, "%s [%04x:%04x] rev %02x class %06x, %s",
		     slot ? slot : "-", id.vendor_id, id.device_id, id.revision,
		     id.class_code, pcl_cfg_source(cfg));
	if (line && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, ":%u", line);
}

json_t *mapcli_device_json(const struct pcl_cfg *cfg)
{
	struct pcl_identity id;
	const char *slot = pcl_cfg_slot(cfg);
	json_t *dev = json_object();

	pcl_cfg_identity(cfg, &id);
	json_object_set_new(dev, "source", json_string(pcl_cfg_source(cfg)));
	json_object_set_new(dev, "slot", slot ? json_string(slot) : json_null());
	if (pcl_cfg_line(cfg))
		json_object_set_new(dev, "line", json_integer(pcl_cfg_line(cfg)));
	json_object_set_new(dev, "vendor", cli_json_id(id.vendor_id));
	json_object_set_new(dev, "device", cli_json_id(id.device_id));
	json_object_set_new(dev, "class", cli_json_class(id.class_code));
	json_object_set_new(dev, "size", json_integer(pcl_cfg_size(cfg)));
	return dev;
}

json_t *mapcli_finding_json(const struct pcl_finding *f)
{
	json_t *o = json_object();

	json_object_set_new(o, "severity",
			    json_string(pcl_severity_name(f->severity)));
	json_object_set_new(o, "code", json_string(f->code));
	json_object_set_new(o, "offset", f->offset >= 0 ?
			    cli_json_hex((unsigned long)f->offset) : json_null());
	json_object_set_new(o, "message", json_string(f->message));
	return o;
}

/*
 * The next coalesced run at or after @*off (a dword boundary), or false
 * at the end. memchr() finds the run's first byte: asking the map about
 * each of 4,096 bytes through the library's PLT was a third of
 * `map --json`'s time (perf).
 */
static bool next_hidden(const struct pcl_map *map, uint32_t *off,
			struct mapcli_hidden *h)
{
	const uint8_t *own = pcl_map_owners(map);
	const uint8_t *first;
	bool open = false;

	if (*off >= PCL_CFG_SIZE)
		return false;
	first = memchr(own + *off, PCL_OWNER_NONZERO, PCL_CFG_SIZE - *off);
	if (!first)
		return false;
	for (uint32_t dw = (uint32_t)(first - own) & ~3u; dw < PCL_CFG_SIZE;
	     dw += 4) {
		bool hot = false;

		/* A run never crosses into extended space. */
		if (open && dw == 0x100)
			break;
		for (uint32_t b = dw; b < dw + 4; b++) {
			if (own[b] != PCL_OWNER_NONZERO)
				continue;
			if (!open) {
				*h = (struct mapcli_hidden){ b, b, 0 };
				open = true;
			}
			h->end = b;
			h->nonzero++;
			hot = true;
		}
		if (open && !hot)
			break;
	}
	if (open)
		*off = (h->end | 3u) + 1;
	return open;
}

/* Append @s at @p. Return: the end. */
static char *put_str(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* "0x%03x" at @p. Return: the end. */
static char *put_off(char *p, uint32_t off)
{
	*p++ = '0';
	*p++ = 'x';
	return fmt_hex(p, off, 3);
}

/* The run's message, written without printf (fmt.h says why). */
static void hidden_text(const struct mapcli_hidden *h, char *buf)
{
	static const char tail[] = " outside every capability: suspected hidden register";
	uint32_t span = h->end - h->start + 1;
	char *p = buf;

	if (span == 1) {
		p = put_off(put_str(p, "non-zero byte at "), h->start);
		p = put_str(p, tail);
	} else {
		bool dense = h->nonzero == span;

		p = fmt_dec(p, dense ? span : h->nonzero);
		p = put_str(p, dense ? " non-zero bytes at " :
				       " non-zero bytes in ");
		p = put_off(p, h->start);
		*p++ = '-';
		p = put_off(p, h->end);
		p = put_str(p, tail);
		if (!dense)
			*p++ = 's';
	}
	*p = '\0';
}

static void emit_finding(struct jw *json, const char *sev, const char *code,
			 int32_t offset, uint32_t length, const char *msg)
{
	if (json) {
		/* Members in key order: json-writer.h. */
		jw_begin_object(json);
		jw_member_string(json, "code", code);
		if (length) {
			jw_key(json, "length");
			jw_int(json, length);
		}
		jw_member_string(json, "message", msg);
		jw_key(json, "offset");
		if (offset >= 0)
			jw_hex(json, (unsigned long)offset);
		else
			jw_null(json);
		jw_member_string(json, "severity", sev);
		jw_end_object(json);
	} else {
		printf("  %-7s [%03x] %s: %s\n", sev, (unsigned int)offset, code,
		       msg);
	}
}

void mapcli_findings(const struct pcl_map *map, struct jw *json)
{
	struct mapcli_hidden h = { 0 };
	uint32_t hoff = 0;
	bool have = next_hidden(map, &hoff, &h);
	char msg[128];

	for (size_t i = 0; i <= pcl_map_finding_count(map); i++) {
		const char *code = pcl_map_finding_code(map, i);
		const struct pcl_finding *f;

		/* Replaced by the coalesced runs below: not even formatted. */
		if (code && !strcmp(code, "hidden-register"))
			continue;
		f = code ? pcl_map_finding(map, i) : NULL;
		/* The coalesced runs before this finding (all, at the end). */
		while (have && (!f || f->offset < 0 || h.start <= (uint32_t)f->offset)) {
			hidden_text(&h, msg);
			emit_finding(json, "info", "hidden-register", (int32_t)h.start,
				     h.end - h.start + 1, msg);
			have = next_hidden(map, &hoff, &h);
		}
		if (f)
			emit_finding(json, pcl_severity_name(f->severity), f->code,
				     f->offset, 0, f->message);
	}
}
