/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * emit.h - a planned layout in the words of a VMM stack: QEMU's
 * -device vfio-pci properties (text), the same as QEMU's JSON -device and
 * QMP device_add arguments, or a libvirt <hostdev> with the properties as
 * libvirt's <qemu:override>. Each lists what the target cannot express.
 */
#ifndef PCILAYOUT_EMIT_H
#define PCILAYOUT_EMIT_H

#include <pcilayout/pcilayout.h>

enum emit_kind { EMIT_QEMU, EMIT_QEMU_JSON, EMIT_LIBVIRT };

/* "qemu", "qemu-json" or "libvirt"; reports and returns -1 otherwise. */
int emit_parse(const char *arg, enum emit_kind *kind);

/*
 * Print @l, planned for @cfg, to stdout in @kind. Return: the number of
 * parts of the plan (and of the device's address) the target cannot
 * express, each listed in the output; -1 when out of memory (reported).
 */
long emit_print(enum emit_kind kind, const struct pcl_layout *l,
		const struct pcl_cfg *cfg);

#endif /* PCILAYOUT_EMIT_H */
