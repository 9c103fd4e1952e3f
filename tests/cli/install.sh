#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Packaging: install into a staging directory, then build and run a small
# program outside the tree through `pkg-config --cflags --libs pcilayout`.
. "$PCL_SRCDIR/tests/cli/lib.sh"

dest="$T/stage"
expect_exit 0 "meson install" -- meson install -C "$PCL_BUILDDIR" --destdir "$dest" --no-rebuild --quiet
pc=$(find "$dest" -name pcilayout.pc | head -n 1)
if [ -n "$pc" ]; then ok; else fail "no pcilayout.pc installed"; finish; exit; fi
if [ -n "$(find "$dest" -path '*include/pcilayout/pcilayout.h')" ]; then ok; else fail "public header not installed"; fi
if [ -n "$(find "$dest" -name 'libpcilayout.a')" ]; then ok; else fail "static library not installed"; fi
if [ -n "$(find "$dest" -name 'pcilayout.1')" ]; then ok; else fail "man page not installed"; fi
if [ -n "$(find "$dest" -path '*bin/pcilayout')" ]; then ok; else fail "tool not installed"; fi

cat >"$T/prog.c" <<'C'
#include <stdio.h>
#include <pcilayout/pcilayout.h>

int main(void)
{
	static const unsigned char cfg[64] = { 0x86, 0x80, 0xc9, 0x10 };
	struct pcl_ctx *ctx = pcl_ctx_new();
	struct pcl_cfg *c = pcl_cfg_new(ctx, cfg, sizeof(cfg), "prog");
	struct pcl_identity id;
	struct pcl_walk *w = pcl_walk_new(c);

	pcl_cfg_identity(c, &id);
	printf("%s %04x:%04x caps=%zu\n", pcl_version(), id.vendor_id,
	       id.device_id, pcl_walk_cap_count(w));
	pcl_walk_free(w);
	pcl_cfg_free(c);
	pcl_ctx_free(ctx);
	return 0;
}
C
export PKG_CONFIG_SYSROOT_DIR="$dest"
export PKG_CONFIG_PATH="$(dirname "$pc")"
flags=$(pkg-config --cflags --libs pcilayout)
expect_exit 0 "compile against the installed library" -- sh -c "cc -Wall -Werror -o '$T/prog' '$T/prog.c' $flags"
libdir=$(dirname "$(find "$dest" -name 'libpcilayout.so.0' | head -n 1)")
expect_exit 0 "run against the installed library" -- env LD_LIBRARY_PATH="$libdir" "$T/prog"
expect_grep "$T/out" "8086:10c9 caps=0" "program output"
finish
