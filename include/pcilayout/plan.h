/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * plan.h - the planner: from a device's config space and the caller's
 * wishes to the layout its guest should see, with the reason for every
 * decision (docs/planner.md).
 *
 * The default guest view is what a VMM does today, made explicit: every
 * capability at its physical offset, except those vfio-pci and QEMU do not
 * pass through, which become hidden entries. Then, for each virtual
 * capability requested (and each physical one being moved), a cascade of
 * rules - user, layout database, quirk, free-space DVSEC, gap - picks an
 * offset; the first rule that gives an answer wins and the entry records
 * which one and why (struct pcl_layout_entry prov_rule / prov_reason).
 *
 * A layout database is a set of full layouts (directories of layout files);
 * the planner selects at most one per device - matching its identity, the
 * machine type and the profile, highest revision first - deterministically,
 * and says why (pcl_layout_db_select()).
 */
#ifndef PCILAYOUT_PLAN_H
#define PCILAYOUT_PLAN_H

#include <pcilayout/common.h>
#include <pcilayout/cfg.h>
#include <pcilayout/layout.h>
#include <pcilayout/map.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pcl_walk;
struct pcl_quirks;

/* ------------------------------------------------------------------ */
/* Layout database                                                     */
/* ------------------------------------------------------------------ */

/** struct pcl_layout_db - a set of layout files (opaque). */
struct pcl_layout_db;

/**
 * pcl_layout_db_new() - an empty database.
 * @ctx: library context (borrowed; must outlive the database).
 *
 * Return: a database that the caller frees with pcl_layout_db_free(), or
 * NULL with errno ENOMEM.
 */
PCL_EXPORT struct pcl_layout_db *pcl_layout_db_new(struct pcl_ctx *ctx);

/** pcl_layout_db_free() - free the database and its layouts. NULL is accepted. */
PCL_EXPORT void pcl_layout_db_free(struct pcl_layout_db *db);

/**
 * pcl_layout_db_add_dir() - load every *.json file of @dir (not recursive,
 * names starting with '.' skipped) in name order.
 * @db: the database.
 * @dir: the directory.
 * @diag: optional; receives the errors of every malformed file.
 *
 * Every file is tried even when one fails. Files of kind "quirk" are
 * refused: a quirk is not a guest view.
 *
 * Return: 0; -ENOENT, -ENOTDIR, -EACCES when @dir cannot be read; -EINVAL
 * when a file is malformed (see @diag); -EFBIG (more than 65536 files);
 * -ENOMEM.
 */
PCL_EXPORT int pcl_layout_db_add_dir(struct pcl_layout_db *db, const char *dir,
				     struct pcl_diag *diag);

/**
 * pcl_layout_db_add() - add a layout; the database takes ownership of
 * @layout on success (and only then).
 *
 * Return: 0, -EINVAL (NULL, or a quirk), -ENOMEM.
 */
PCL_EXPORT int pcl_layout_db_add(struct pcl_layout_db *db,
				 struct pcl_layout *layout);

/** pcl_layout_db_count() - Return: the number of layouts. */
PCL_EXPORT size_t pcl_layout_db_count(const struct pcl_layout_db *db);

/** pcl_layout_db_get() - Return: layout @index in load order (borrowed), or NULL. */
PCL_EXPORT const struct pcl_layout *pcl_layout_db_get(const struct pcl_layout_db *db,
						      size_t index);

/**
 * pcl_layout_db_select() - the layout of the database for a device.
 * @db: the database.
 * @id: the device's identity.
 * @machine: the VM's machine type (e.g. "pc-q35-10.1"), or NULL when not
 *           known: then machine patterns do not restrict the choice.
 * @profile: the profile asked for, or NULL: then only layouts without a
 *           profile qualify (a profile is an opt-in persona).
 * @why: optional; receives one or more sentences saying which layout was
 *       chosen and why, or why none was (each rejected candidate with its
 *       reason, as far as @size allows).
 * @size: size of @why.
 *
 * A layout qualifies when it has a match and the match accepts @id, its
 * machine patterns accept @machine (a layout without patterns accepts any
 * machine), and its profile equals @profile (both absent counts as equal).
 * Among qualifying layouts the order is: highest revision, then the more
 * specific match (more PCL_MATCH_* fields), then the name, then the file
 * name - a total order, so the choice is deterministic.
 *
 * Return: the chosen layout (borrowed from @db), or NULL when none
 * qualifies (errno is not set).
 */
PCL_EXPORT const struct pcl_layout *
pcl_layout_db_select(const struct pcl_layout_db *db,
		     const struct pcl_identity *id, const char *machine,
		     const char *profile, char *why, size_t size);

/* ------------------------------------------------------------------ */
/* Default hide list                                                   */
/* ------------------------------------------------------------------ */

/**
 * pcl_plan_default_hidden() - whether a VMM today hides (@space, @id).
 * @space: an enum pcl_space value.
 * @id: capability ID.
 * @why: optional; receives a static sentence naming who hides it and where
 *       that is written (vfio_pci_config.c's length tables, QEMU's
 *       vfio_add_ext_cap()), or NULL when it is passed through.
 *
 * Return: true when hidden by default.
 */
PCL_EXPORT bool pcl_plan_default_hidden(int space, uint16_t id,
					const char **why);

/**
 * pcl_plan_essential() - whether a guest needs (@space, @id): power
 * management, MSI, MSI-X and the PCI Express capability. The planner
 * refuses to hide one unless allowed (%PCL_PLAN_ALLOW_HIDE_ESSENTIAL), and
 * unify never hides one to admit a host.
 * @space: an enum pcl_space value.
 * @id: capability ID.
 * @lost: optional; receives a static phrase saying what a guest without it
 *        loses ("its message-signalled interrupts"), or NULL.
 *
 * Return: true when the guest needs it.
 */
PCL_EXPORT bool pcl_plan_essential(int space, uint16_t id, const char **lost);

/* ------------------------------------------------------------------ */
/* Request                                                             */
/* ------------------------------------------------------------------ */

/** struct pcl_plan_request - everything the planner is given (opaque). */
struct pcl_plan_request;

/* Flags of struct pcl_plan_pasid. */
#define PCL_PLAN_PASID_IOMMU 0x0001u /* the iommu_* fields are given */

/**
 * struct pcl_plan_pasid - a virtual PASID capability request.
 * @flags: PCL_PLAN_PASID_* bits.
 * @iommu_max_width: what IOMMU_GET_HW_INFO reports in out_max_pasid_log2;
 *                   0 means the IOMMU has no PASID support (refused).
 * @iommu_exec: IOMMU_HW_CAP_PCI_PASID_EXEC is reported (0/1).
 * @iommu_priv: IOMMU_HW_CAP_PCI_PASID_PRIV is reported (0/1).
 *
 * The capability register is derived from every source given: the PF's
 * PASID capability (a VF), the device's own PASID capability (a PF, whose
 * PASID vfio-pci hides), and the IOMMU values: Max PASID Width is the
 * smallest, Execute and Privileged are set only when every source allows
 * them. With no source at all the request is refused.
 */
struct pcl_plan_pasid {
	uint32_t flags;
	uint8_t iommu_max_width;
	uint8_t iommu_exec;
	uint8_t iommu_priv;
	uint8_t reserved;
};

/**
 * struct pcl_plan_dsn - a virtual Device Serial Number request.
 * @from_pf: 1: the PF's serial (the PF must be given and have a DSN).
 * @reserved: 0.
 * @serial: the serial when @from_pf is 0.
 */
struct pcl_plan_dsn {
	uint32_t from_pf;
	uint32_t reserved;
	uint64_t serial;
};

/**
 * pcl_plan_request_new() - an empty request.
 * @ctx: library context (borrowed; must outlive the request).
 *
 * Everything given to a request by pointer is borrowed (must outlive
 * pcl_plan()) unless the setter says "copied".
 *
 * Return: a request that the caller frees with pcl_plan_request_free(), or
 * NULL with errno ENOMEM.
 */
PCL_EXPORT struct pcl_plan_request *pcl_plan_request_new(struct pcl_ctx *ctx);

/** pcl_plan_request_free() - free a request. NULL is accepted. */
PCL_EXPORT void pcl_plan_request_free(struct pcl_plan_request *req);

/**
 * pcl_plan_request_set_cfg() - the device (required).
 * @req: the request.
 * @cfg: its config space (borrowed).
 * @walk: its walk (borrowed), or NULL to have the planner walk @cfg.
 *
 * Return: 0, or -EINVAL when @walk is not a walk of @cfg.
 */
PCL_EXPORT int pcl_plan_request_set_cfg(struct pcl_plan_request *req,
					const struct pcl_cfg *cfg,
					const struct pcl_walk *walk);

/**
 * pcl_plan_request_set_pf() - the PF of the device (borrowed), which makes
 * the device a VF for the planner: PASID parameters, "from-pf" serials and
 * the same-offset-as-the-PF gap rule come from it. NULL removes it.
 */
PCL_EXPORT int pcl_plan_request_set_pf(struct pcl_plan_request *req,
				       const struct pcl_cfg *pf);

/** pcl_plan_request_set_quirks() - the quirk database (borrowed), or NULL. */
PCL_EXPORT int pcl_plan_request_set_quirks(struct pcl_plan_request *req,
					   const struct pcl_quirks *quirks);

/**
 * pcl_plan_request_add_quirk() - one more quirk (borrowed; kind "quirk"),
 * for callers without a database. Quirks that do not match the device are
 * ignored by pcl_plan().
 * Return: 0, -EINVAL (not a quirk), -ENOSPC (more than 256), -ENOMEM.
 */
PCL_EXPORT int pcl_plan_request_add_quirk(struct pcl_plan_request *req,
					  const struct pcl_layout *quirk);

/** pcl_plan_request_set_database() - the layout database (borrowed), or NULL. */
PCL_EXPORT int pcl_plan_request_set_database(struct pcl_plan_request *req,
					     const struct pcl_layout_db *db);

/**
 * pcl_plan_request_set_layout() - a user layout (borrowed; kind
 * "layout"), or NULL. It is the base guest view, like a database layout
 * but chosen by the user; the database is then used only for virtual
 * capabilities the user layout does not place.
 * Return: 0 or -EINVAL.
 */
PCL_EXPORT int pcl_plan_request_set_layout(struct pcl_plan_request *req,
					   const struct pcl_layout *layout);

/**
 * pcl_plan_request_place() - a user placement: the capability (@space,
 * @id) - a requested virtual one, or a physical one to relocate - at guest
 * offset @at.
 * Return: 0, -EINVAL (space, or @at outside the space), -EEXIST (already
 * placed), -ENOSPC (more than 64), -ENOMEM.
 */
PCL_EXPORT int pcl_plan_request_place(struct pcl_plan_request *req, int space,
				      uint16_t id, uint32_t at);

/**
 * pcl_plan_request_place_string() - pcl_plan_request_place() from "CAP@OFF"
 * ("pasid@0xff8", "0x1b@4088"); the space follows from OFF (below 0x100 is
 * standard), CAP is a format-1 name or a number.
 * @req: the request.
 * @text: the placement.
 * @err: optional; says what is wrong (@source "<place>").
 * Return: as pcl_plan_request_place().
 */
PCL_EXPORT int pcl_plan_request_place_string(struct pcl_plan_request *req,
					     const char *text,
					     struct pcl_error *err);

/**
 * pcl_plan_request_add_ranges() - ranges of config space named from
 * outside (copied, strings included).
 * @req: the request.
 * @ranges: PCL_RANGE_RESERVED ranges are never placed on. PCL_RANGE_FREE
 *          ranges whose source starts with "dvsec" feed the DVSEC rule;
 *          every other free range is the user's list of available ranges
 *          (--free), which restricts the user rule - and, when given,
 *          every placement of a virtual capability - to windows inside it.
 * @count: number of @ranges.
 *
 * The planner also scans the device for free-space DVSECs itself.
 *
 * Return: 0, -EINVAL (a bad range), -ENOSPC (more than 1024), -ENOMEM.
 */
PCL_EXPORT int pcl_plan_request_add_ranges(struct pcl_plan_request *req,
					   const struct pcl_range *ranges,
					   size_t count);

/** pcl_plan_request_add_pasid() - request a virtual PASID (copied).
 * Return: 0, -EINVAL (bad values), -EEXIST (already requested). */
PCL_EXPORT int pcl_plan_request_add_pasid(struct pcl_plan_request *req,
					  const struct pcl_plan_pasid *pasid);

/** pcl_plan_request_add_dsn() - request a virtual DSN (copied).
 * Return: 0, -EINVAL, -EEXIST. */
PCL_EXPORT int pcl_plan_request_add_dsn(struct pcl_plan_request *req,
					const struct pcl_plan_dsn *dsn);

/* Overrides of pcl_plan_request_allow(): what the planner refuses unless told. */
#define PCL_PLAN_ALLOW_BROKEN 0x0001u	      /* a chain with error findings */
#define PCL_PLAN_ALLOW_STANDARD_ONLY 0x0002u /* a PCIe function's extended space unread */
#define PCL_PLAN_ALLOW_HIDE_ESSENTIAL 0x0004u /* hiding pm, msi, msix or exp */
#define PCL_PLAN_ALLOW_PASID_DISABLED 0x0008u /* a PF whose PASID is disabled */
#define PCL_PLAN_ALLOW_ALL 0x000fu

/**
 * pcl_plan_request_allow() - plan what would otherwise be refused as unsafe.
 * @req: the request.
 * @what: PCL_PLAN_ALLOW_* bits (replacing earlier ones):
 *  - %PCL_PLAN_ALLOW_BROKEN: a device whose chains have error findings
 *    (a loop, a pointer into the header...): the guest sees what the walk
 *    could reach;
 *  - %PCL_PLAN_ALLOW_STANDARD_ONLY: a PCI Express function of which only the
 *    first 256 bytes were read: the guest gets no extended capability;
 *  - %PCL_PLAN_ALLOW_HIDE_ESSENTIAL: a plan that hides power management,
 *    MSI, MSI-X or the PCI Express capability (from the guest's interrupts,
 *    power states or extended config space);
 *  - %PCL_PLAN_ALLOW_PASID_DISABLED: a VF's virtual PASID from a PF whose
 *    PASID is disabled (PASID Control Enable clear): its parameters then
 *    follow what the PF can do, not what it has enabled.
 * Nothing allows a read of less than the standard header and chain (256
 * bytes), a device that reads all ones, or a PF that is not this VF's.
 *
 * Return: 0, or -EINVAL for unknown bits.
 */
PCL_EXPORT int pcl_plan_request_allow(struct pcl_plan_request *req,
				      uint32_t what);

/** pcl_plan_request_set_machine() - the machine type (copied), or NULL.
 * Return: 0, -EINVAL (empty, longer than 64, or not printable), -ENOMEM. */
PCL_EXPORT int pcl_plan_request_set_machine(struct pcl_plan_request *req,
					    const char *machine);

/** pcl_plan_request_set_profile() - the profile (copied), or NULL; the
 * syntax of a layout name. Return: 0, -EINVAL, -ENOMEM. */
PCL_EXPORT int pcl_plan_request_set_profile(struct pcl_plan_request *req,
					    const char *profile);

/** pcl_plan_request_set_name() - the name of the planned layout (copied),
 * or NULL for the default ("VVVV-DDDD", "-vf" added for a VF).
 * Return: 0, -EINVAL, -ENOMEM. */
PCL_EXPORT int pcl_plan_request_set_name(struct pcl_plan_request *req,
					 const char *name);

/**
 * pcl_plan_request_hide() - hide (@space, @id) whatever the defaults,
 * quirks and layouts say (--hide).
 * Return: 0, -EINVAL, -EEXIST (already hidden or kept), -ENOSPC, -ENOMEM.
 */
PCL_EXPORT int pcl_plan_request_hide(struct pcl_plan_request *req, int space,
				     uint16_t id);

/** pcl_plan_request_keep() - present (@space, @id) even if hidden by
 * default (--keep). Return: as pcl_plan_request_hide(). */
PCL_EXPORT int pcl_plan_request_keep(struct pcl_plan_request *req, int space,
				     uint16_t id);

/* ------------------------------------------------------------------ */
/* Planning                                                            */
/* ------------------------------------------------------------------ */

/**
 * pcl_plan() - compute the guest layout: pcl_plan_run() without notes.
 */
PCL_EXPORT int pcl_plan(const struct pcl_plan_request *req,
			struct pcl_layout **layout, struct pcl_diag *diag);

/**
 * pcl_plan_run() - compute the guest layout.
 * @req: the request (not changed).
 * @layout: on success, a new valid layout (format 1) that the caller frees
 *          with pcl_layout_free(); every entry carries its provenance.
 * @notes: optional; on success a new report (free with pcl_report_free())
 *         of what the planner decided about the plan as a whole: code
 *         "database" (info) says which layout of the database was chosen
 *         and why, or why none was; "override" (warning) names an unsafe
 *         input planned because pcl_plan_request_allow() said so.
 * @diag: optional; on failure receives the reasons, one record each. When
 *        a capability cannot be placed, the first record names it and one
 *        record per rule says what that rule found.
 *
 * The device is planned as the kernel's vfio-pci shows it to the VMM
 * (pcl_walk_vfio_view()), so a device read in full and the same device
 * read through vfio-pci get the same layout: a capability vfio-pci hides
 * is found as an orphan and hidden (or kept, relocated, or replaced by a
 * virtual one) all the same. Orphans are the device's capabilities too:
 * they are listed as hidden entries.
 *
 * Return: 0;
 * -EINVAL: the request contradicts itself or the device (a placement on
 *          a byte that is not free, overlapping another entry, misaligned
 *          or outside the space; --keep and a virtual capability of the
 *          same ID; an IOMMU without PASID; no source for PASID values;
 *          a "from-pf" serial without a PF or a PF without a DSN; a PF that
 *          is not this VF's; virtual parameters that differ from those of
 *          the database or user layout), or the input is unsafe to plan (a
 *          read of less than 256 bytes, all ones, a broken chain, a PCIe
 *          function without its extended space, hiding an interrupt or
 *          PCI Express capability, a PF whose PASID is disabled: see
 *          pcl_plan_request_allow());
 * -ENODATA: the device's extended space was not read or it has none, and
 *          an extended capability was asked for;
 * -ENOSPC: no rule could place a capability, or the selected layout
 *          (user or database) cannot be realized on this device;
 * -ENOMEM.
 */
PCL_EXPORT int pcl_plan_run(const struct pcl_plan_request *req,
			    struct pcl_layout **layout,
			    struct pcl_report **notes, struct pcl_diag *diag);

#ifdef __cplusplus
}
#endif

#endif /* PCILAYOUT_PLAN_H */
