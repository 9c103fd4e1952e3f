/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * compat.h - live-migration safety (docs/migration.md): can a device
 * realize a layout (check), are two layouts migration-compatible (diff),
 * one layout for a pool of hosts with different firmware (unify), and a
 * fleet grouped by device model and default layout (survey).
 *
 * Capability offsets cannot change while a guest runs, and QEMU only finds
 * out at the very end of a migration, with a byte compare ("Bad config
 * data"). These functions answer the same question before the migration,
 * with every reason.
 *
 * unify and survey stream: a host's config space is analysed when it is
 * added and then reduced to its "host class" (identity, capability chain,
 * per-byte owner map); only one representative per distinct class is kept,
 * so memory grows with the number of distinct classes, not of hosts.
 */
#ifndef PCILAYOUT_COMPAT_H
#define PCILAYOUT_COMPAT_H

#include <pcilayout/common.h>
#include <pcilayout/cfg.h>
#include <pcilayout/layout.h>
#include <pcilayout/plan.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcl_quirks;

/* ------------------------------------------------------------------ */
/* check                                                               */
/* ------------------------------------------------------------------ */

/**
 * pcl_check() - can the device @cfg realize @layout?
 * @layout: a layout (kind "layout").
 * @cfg: the device, typically on the migration destination.
 * @pf: the PF of @cfg when it is a VF, or NULL. Inputs that come from the
 *      PF (the PASID capability a VF's virtual PASID is derived from, a
 *      "from-pf" serial) can only be verified with it.
 * @quirks: the quirk database (borrowed), or NULL: reserved ranges of
 *          matching quirks are hazards no moved or virtual entry may cover.
 * @iommu: what the IOMMU reports for PASID (flags PCL_PLAN_PASID_IOMMU),
 *         or NULL when unknown.
 * @report: on success, a new report that the caller frees with
 *          pcl_report_free(); pcl_report_ok() gives the answer.
 *
 * The rules (docs/migration.md): the identity matches the layout's match;
 * every physical entry selects a capability of the device (docs/layout-
 * format.md §4.3) that is at least as long as the entry; no capability is
 * selected twice; no virtual or relocated entry covers a byte that is a
 * suspected hidden register (unowned and non-zero), an orphan, a reserved
 * range or unread; the inputs of virtual entries are available and allow
 * their parameters.
 *
 * Return: 0 (whatever the answer), -EINVAL (NULL arguments, or a quirk
 * instead of a layout), -ENOMEM.
 */
PCL_EXPORT int pcl_check(const struct pcl_layout *layout,
			 const struct pcl_cfg *cfg, const struct pcl_cfg *pf,
			 const struct pcl_quirks *quirks,
			 const struct pcl_plan_pasid *iommu,
			 struct pcl_report **report);

/* ------------------------------------------------------------------ */
/* diff                                                                */
/* ------------------------------------------------------------------ */

/** enum pcl_verdict - what a diff concludes, best first. */
enum pcl_verdict {
	PCL_VERDICT_IDENTICAL = 0,    /* the guest sees the same config space */
	PCL_VERDICT_COMPATIBLE = 1,   /* differences a migration tolerates */
	PCL_VERDICT_INCOMPATIBLE = 2, /* a migration would fail or change the guest's view */
};

/** pcl_verdict_name() - Return: "identical", "compatible", "incompatible" or NULL. */
PCL_EXPORT const char *pcl_verdict_name(int verdict);

/**
 * enum pcl_vsc_rule - how bodies of vendor-specific capabilities compare.
 * @PCL_VSC_AUTO: strict when @machine (or a machine pattern of either
 *                layout) names a machine type of version 9.0 or older,
 *                consistent otherwise (QEMU's skip-vsc-check default).
 * @PCL_VSC_CONSISTENT: bytes 3.. of a standard vendor-specific capability
 *                      may differ (QEMU >= 9.1 machine types).
 * @PCL_VSC_STRICT: every byte must be equal (machine types <= 9.0).
 */
enum pcl_vsc_rule {
	PCL_VSC_AUTO = 0,
	PCL_VSC_CONSISTENT = 1,
	PCL_VSC_STRICT = 2,
};

/**
 * struct pcl_diff_change - one difference between two layouts.
 * @severity: PCL_SEVERITY_INFO: not guest-visible (name, revision,
 *            machines, a hidden entry against an absent one...);
 *            PCL_SEVERITY_WARNING: guest-visible but tolerated by a rule
 *            of docs/migration.md; PCL_SEVERITY_ERROR: breaks migration.
 * @space: enum pcl_space of the entries, or -1 for a layout-level change.
 * @code: stable machine-readable code, e.g. "moved" (static string).
 * @a: the entry of the first layout (borrowed), or NULL.
 * @b: the entry of the second layout (borrowed), or NULL.
 * @message: human-readable text (owned by the diff).
 */
struct pcl_diff_change {
	int32_t severity;
	int32_t space;
	const char *code;
	const struct pcl_layout_entry *a;
	const struct pcl_layout_entry *b;
	const char *message;
};

/** struct pcl_diff - the result of comparing two layouts (opaque). */
struct pcl_diff;

/**
 * pcl_diff() - compare layout @a (the source's) with @b (the
 * destination's), semantically: entries are paired by guest offset and
 * capability, not by bytes of the file.
 * @a: a layout; borrowed, must outlive the diff.
 * @b: a layout; borrowed, must outlive the diff.
 * @vsc_rule: an enum pcl_vsc_rule value.
 * @machine: the machine type of the guest, or NULL (see %PCL_VSC_AUTO).
 * @out: on success, a new diff that the caller frees with pcl_diff_free().
 *
 * Return: 0, -EINVAL (NULL arguments, a quirk, a bad rule), -ENOMEM.
 */
PCL_EXPORT int pcl_diff(const struct pcl_layout *a, const struct pcl_layout *b,
			int vsc_rule, const char *machine,
			struct pcl_diff **out);

/** pcl_diff_free() - free a diff. NULL is accepted. */
PCL_EXPORT void pcl_diff_free(struct pcl_diff *diff);

/** pcl_diff_verdict() - Return: an enum pcl_verdict value. */
PCL_EXPORT int pcl_diff_verdict(const struct pcl_diff *diff);

/**
 * pcl_diff_vsc_rule() - Return: the rule applied (PCL_VSC_CONSISTENT or
 * PCL_VSC_STRICT); @why, when not NULL, receives a static sentence saying
 * why it was chosen.
 */
PCL_EXPORT int pcl_diff_vsc_rule(const struct pcl_diff *diff, const char **why);

/** pcl_diff_count() - Return: the number of changes. */
PCL_EXPORT size_t pcl_diff_count(const struct pcl_diff *diff);

/** pcl_diff_get() - Return: change @index (borrowed), or NULL. */
PCL_EXPORT const struct pcl_diff_change *pcl_diff_get(const struct pcl_diff *diff,
						      size_t index);

/**
 * pcl_machine_version() - the QEMU version in a machine type or pattern.
 * @machine: e.g. "pc-q35-10.1", "virt-9.0", "pc-i440fx-8.*".
 * @major: receives the major version.
 * @minor: receives the minor version, or -1 for a "*" minor.
 *
 * Return: 0, or -EINVAL when @machine names no version ("q35", "pc-*").
 */
PCL_EXPORT int pcl_machine_version(const char *machine, int *major, int *minor);

/**
 * pcl_layout_migration_key() - a digest of what migration compares: the
 * presented entries (guest offset, length, capability and selectors, or
 * generator and parameters), the unclaimed policy and the device's vendor
 * and device ID; hidden entries, names, revisions, machines, profiles,
 * reserved ranges and provenance are left out, and bodies of standard
 * vendor-specific capabilities too under @vsc_rule PCL_VSC_CONSISTENT.
 * Two layouts with equal keys diff as identical or compatible.
 * @layout: a valid layout.
 * @vsc_rule: PCL_VSC_CONSISTENT or PCL_VSC_STRICT.
 * @out: receives "sha256:" and 64 hex digits.
 *
 * Return: 0, -EINVAL, -ENOMEM.
 */
PCL_EXPORT int pcl_layout_migration_key(const struct pcl_layout *layout,
					int vsc_rule,
					char out[PCL_FINGERPRINT_SIZE]);

/* ------------------------------------------------------------------ */
/* Host groups: what unify and survey report                           */
/* ------------------------------------------------------------------ */

/** PCL_GROUP_EXAMPLES - host names a group keeps (the first ones added). */
#define PCL_GROUP_EXAMPLES 3

/**
 * struct pcl_host_group - hosts that unify or survey treat as one.
 * @vendor: vendor ID of the device model.
 * @device: device ID.
 * @is_vf: 1 for SR-IOV VFs.
 * @hosts: number of hosts (functions) in the group.
 * @n_examples: number of @examples (at most %PCL_GROUP_EXAMPLES).
 * @examples: the names of the first hosts added (borrowed).
 * @status: unify: 1 when the group's hosts can realize the unified layout,
 *          0 when they are excluded, -1 when they are another device model
 *          (ignored). survey: the pool number (1..) of the group: groups
 *          of one device model with the same pool can migrate to each
 *          other; 0 when the group could not be planned.
 * @layout: the group's own default plan (borrowed), or NULL when it could
 *          not be planned (the reasons then say why).
 * @fingerprint: @layout's fingerprint, or "" when none.
 * @reasons: why the group is excluded, or notes (borrowed; never NULL).
 */
struct pcl_host_group {
	uint16_t vendor;
	uint16_t device;
	uint8_t is_vf;
	uint8_t reserved[3];
	int32_t status;
	size_t hosts;
	size_t n_examples;
	const char *const *examples;
	const struct pcl_layout *layout;
	const char *fingerprint;
	const struct pcl_report *reasons;
};

/**
 * struct pcl_input_failure - an input that could not be read.
 * @name: the input's name (borrowed).
 * @message: why (borrowed).
 */
struct pcl_input_failure {
	const char *name;
	const char *message;
};

/* ------------------------------------------------------------------ */
/* A host analysed apart from a pool: for adding hosts from threads    */
/* ------------------------------------------------------------------ */

/**
 * struct pcl_fleet_host - one host's function, analysed for unify or
 * survey but not yet in a pool (opaque): its config space, walked and
 * mapped with the quirks' ranges and reduced to the key of its host class.
 *
 * pcl_unify_add_host() and pcl_survey_add_host() do this analysis - most
 * of a host's cost - inside the pool, one host after another. A program
 * that reads many hosts can do it in several threads with
 * pcl_fleet_host_new(), which touches no pool, and hand the results to the
 * pool in the order it wants them reported (the first hosts added are a
 * group's examples) with pcl_unify_add_fleet_host() or
 * pcl_survey_add_fleet_host(): the pool then only looks the class up.
 * The reports are the same as with pcl_unify_add_host() in that order.
 */
struct pcl_fleet_host;

/**
 * pcl_fleet_host_new() - analyse one host's function for a pool.
 * @cfg: its config space; taken in every case (kept in the result, or
 *       freed on failure).
 * @quirks: the quirk database the pool will use (borrowed; NULL for none):
 *          the quirks' reserved ranges are part of the class key, so the
 *          pool refuses a host analysed with other quirks.
 *
 * Thread-safe: any number of threads may call it at once, with cfgs of
 * their own and one shared @quirks (see common.h).
 *
 * Return: the analysed host, which pcl_unify_add_fleet_host() or
 * pcl_survey_add_fleet_host() takes, or pcl_fleet_host_free() frees; NULL
 * with errno EINVAL (@cfg NULL) or ENOMEM.
 */
PCL_EXPORT struct pcl_fleet_host *
pcl_fleet_host_new(struct pcl_cfg *cfg, const struct pcl_quirks *quirks);

/** pcl_fleet_host_free() - free a host not given to a pool, and its cfg.
 * NULL is accepted. */
PCL_EXPORT void pcl_fleet_host_free(struct pcl_fleet_host *host);

/* ------------------------------------------------------------------ */
/* unify                                                               */
/* ------------------------------------------------------------------ */

/**
 * enum pcl_unify_missing - what to do with a capability some hosts lack.
 * @PCL_UNIFY_MISSING_MAJORITY: present on more than half of the hosts: kept,
 *                              and the hosts without it cannot join; else
 *                              hidden on the hosts that have it.
 * @PCL_UNIFY_MISSING_HIDE: hidden whenever a single host lacks it, so that
 *                          no host is excluded for it.
 *
 * Under either policy, power management, MSI, MSI-X and the PCI Express
 * capability are never hidden to admit a host: the guest needs them, so
 * the hosts that lack one cannot join (the pool splits), and say why.
 */
enum pcl_unify_missing {
	PCL_UNIFY_MISSING_MAJORITY = 0,
	PCL_UNIFY_MISSING_HIDE = 1,
};

/** struct pcl_unify - one layout for a pool of hosts (opaque). */
struct pcl_unify;

/**
 * pcl_unify_new() - an empty pool.
 * @ctx: library context (borrowed; must outlive the pool).
 *
 * Return: a pool that the caller frees with pcl_unify_free(), or NULL with
 * errno ENOMEM.
 */
PCL_EXPORT struct pcl_unify *pcl_unify_new(struct pcl_ctx *ctx);

/** pcl_unify_free() - free the pool, its classes and its layout. NULL is accepted. */
PCL_EXPORT void pcl_unify_free(struct pcl_unify *u);

/** pcl_unify_set_quirks() - the quirk database (borrowed), or NULL.
 * Set before adding hosts. Return: 0, or -EBUSY after the first host. */
PCL_EXPORT int pcl_unify_set_quirks(struct pcl_unify *u,
				    const struct pcl_quirks *quirks);

/** pcl_unify_set_missing() - an enum pcl_unify_missing value.
 * Return: 0 or -EINVAL. */
PCL_EXPORT int pcl_unify_set_missing(struct pcl_unify *u, int policy);

/**
 * pcl_unify_set_device() - unify only functions with these IDs; others are
 * counted as ignored. Without it the device model with the most hosts is
 * chosen (ties: the lowest vendor, device, PF before VF).
 * Return: 0.
 */
PCL_EXPORT int pcl_unify_set_device(struct pcl_unify *u, uint16_t vendor,
				    uint16_t device);

/** pcl_unify_set_name() - the layout's name (copied), or NULL for
 * "VVVV-DDDD" as the planner does. Return: 0, -EINVAL, -ENOMEM. */
PCL_EXPORT int pcl_unify_set_name(struct pcl_unify *u, const char *name);

/** pcl_unify_set_machine() - a machine-type pattern for the layout (copied),
 * or NULL. Return: 0, -EINVAL, -ENOMEM. */
PCL_EXPORT int pcl_unify_set_machine(struct pcl_unify *u, const char *machine);

/** pcl_unify_add_pasid() - ask for a virtual PASID in a window free on
 * every host (copied). Set before adding hosts.
 * Return: 0, -EINVAL, -EEXIST, -EBUSY. */
PCL_EXPORT int pcl_unify_add_pasid(struct pcl_unify *u,
				   const struct pcl_plan_pasid *pasid);

/** pcl_unify_add_dsn() - ask for a virtual DSN with a fixed @serial (a
 * "from-pf" serial differs per host, so it cannot be unified). Set before
 * adding hosts. Return: 0, -EEXIST, -EBUSY. */
PCL_EXPORT int pcl_unify_add_dsn(struct pcl_unify *u, uint64_t serial);

/**
 * pcl_unify_add_host() - add one host's function.
 * @u: the pool.
 * @cfg: its config space; the pool takes ownership in every case (it keeps
 *       it as its class's representative or frees it).
 * @name: the host's name for reports (copied when kept), or NULL for the
 *        cfg's source.
 *
 * Return: 0, -EINVAL, -EBUSY (after pcl_unify_run()), -ENOMEM.
 */
PCL_EXPORT int pcl_unify_add_host(struct pcl_unify *u, struct pcl_cfg *cfg,
				  const char *name);

/**
 * pcl_unify_add_fleet_host() - add one host's function analysed by
 * pcl_fleet_host_new(); the same as pcl_unify_add_host() of its cfg.
 * @u: the pool.
 * @host: the analysed host; the pool takes it in every case.
 * @name: as for pcl_unify_add_host().
 *
 * Return: 0; -EINVAL (@host NULL, or analysed with quirks other than the
 * pool's); -EBUSY (after pcl_unify_run()); -ENOMEM.
 */
PCL_EXPORT int pcl_unify_add_fleet_host(struct pcl_unify *u,
					struct pcl_fleet_host *host,
					const char *name);

/**
 * pcl_unify_add_failure() - record an input that could not be read; it
 * counts as a host that cannot join. Strings are copied; at most 1000
 * failures are kept, the rest only counted.
 * Return: 0 or -ENOMEM.
 */
PCL_EXPORT int pcl_unify_add_failure(struct pcl_unify *u, const char *name,
				     const char *message);

/**
 * pcl_unify_run() - compute the layout.
 * @u: the pool.
 * @layout: on success, the unified layout (borrowed from @u, valid until
 *          pcl_unify_free()). Every entry's provenance says how many hosts
 *          have the capability where and why the offset was chosen.
 *
 * Return: 0 when a layout was computed (pcl_unify_joined() may still be
 * smaller than pcl_unify_host_count()); -ENODATA: no function of the chosen
 * device model was added; -ENOSPC: no host can join; -ENOMEM.
 */
PCL_EXPORT int pcl_unify_run(struct pcl_unify *u,
			     const struct pcl_layout **layout);

/** pcl_unify_host_count() - Return: the hosts of the chosen device model,
 * plus failed inputs (valid after pcl_unify_run()). */
PCL_EXPORT size_t pcl_unify_host_count(const struct pcl_unify *u);

/** pcl_unify_joined() - Return: the hosts that can realize the layout. */
PCL_EXPORT size_t pcl_unify_joined(const struct pcl_unify *u);

/** pcl_unify_ignored() - Return: functions of other device models. */
PCL_EXPORT size_t pcl_unify_ignored(const struct pcl_unify *u);

/** pcl_unify_group_count() - Return: the number of host classes, ordered
 * joined first, then by hosts (most first), then by fingerprint. */
PCL_EXPORT size_t pcl_unify_group_count(const struct pcl_unify *u);

/** pcl_unify_group() - Return: class @index (borrowed), or NULL. */
PCL_EXPORT const struct pcl_host_group *
pcl_unify_group(const struct pcl_unify *u, size_t index);

/** pcl_unify_failure_count() - Return: the number of failed inputs kept. */
PCL_EXPORT size_t pcl_unify_failure_count(const struct pcl_unify *u);

/** pcl_unify_failure() - Return: failed input @index (borrowed), or NULL. */
PCL_EXPORT const struct pcl_input_failure *
pcl_unify_failure(const struct pcl_unify *u, size_t index);

/* ------------------------------------------------------------------ */
/* survey                                                              */
/* ------------------------------------------------------------------ */

/** struct pcl_survey - a fleet grouped by model and layout (opaque). */
struct pcl_survey;

/** pcl_survey_new() - an empty survey; the caller frees it with
 * pcl_survey_free(). Return: NULL with errno ENOMEM on failure. */
PCL_EXPORT struct pcl_survey *pcl_survey_new(struct pcl_ctx *ctx);

/** pcl_survey_free() - free a survey. NULL is accepted. */
PCL_EXPORT void pcl_survey_free(struct pcl_survey *s);

/** pcl_survey_set_quirks() - the quirk database (borrowed), or NULL.
 * Return: 0, or -EBUSY after the first host. */
PCL_EXPORT int pcl_survey_set_quirks(struct pcl_survey *s,
				     const struct pcl_quirks *quirks);

/** pcl_survey_add_host() - as pcl_unify_add_host() (takes @cfg). */
PCL_EXPORT int pcl_survey_add_host(struct pcl_survey *s, struct pcl_cfg *cfg,
				   const char *name);

/** pcl_survey_add_fleet_host() - as pcl_unify_add_fleet_host() (takes
 * @host). */
PCL_EXPORT int pcl_survey_add_fleet_host(struct pcl_survey *s,
					 struct pcl_fleet_host *host,
					 const char *name);

/** pcl_survey_add_failure() - as pcl_unify_add_failure(). */
PCL_EXPORT int pcl_survey_add_failure(struct pcl_survey *s, const char *name,
				      const char *message);

/**
 * pcl_survey_run() - plan every host class with the planner's defaults,
 * group the classes by device model and layout fingerprint, and number the
 * pools: groups of one model whose layouts are migration-compatible
 * (pcl_layout_migration_key(), consistent rule) share a pool.
 * Return: 0, -ENODATA (no host added), -ENOMEM.
 */
PCL_EXPORT int pcl_survey_run(struct pcl_survey *s);

/** pcl_survey_host_count() - Return: the hosts (functions) added. */
PCL_EXPORT size_t pcl_survey_host_count(const struct pcl_survey *s);

/** pcl_survey_group_count() - Return: the number of groups, ordered by
 * vendor, device, PF before VF, pool, then hosts (most first), then
 * fingerprint. */
PCL_EXPORT size_t pcl_survey_group_count(const struct pcl_survey *s);

/** pcl_survey_group() - Return: group @index (borrowed), or NULL. */
PCL_EXPORT const struct pcl_host_group *
pcl_survey_group(const struct pcl_survey *s, size_t index);

/** pcl_survey_failure_count() - Return: the number of failed inputs kept. */
PCL_EXPORT size_t pcl_survey_failure_count(const struct pcl_survey *s);

/** pcl_survey_failure() - Return: failed input @index (borrowed), or NULL. */
PCL_EXPORT const struct pcl_input_failure *
pcl_survey_failure(const struct pcl_survey *s, size_t index);

#ifdef __cplusplus
}
#endif

#endif /* PCILAYOUT_COMPAT_H */
