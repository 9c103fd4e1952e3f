#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Packaging: install into a staging directory, then build and run programs
# outside the tree through pkg-config only: a C program (consumer.c), linked
# shared and static, and the Rust example through pcilayout-sys.
. "$PCL_SRCDIR/tests/cli/lib.sh"

dest="$T/stage"
expect_exit 0 "meson install" -- meson install -C "$PCL_BUILDDIR" --destdir "$dest" --no-rebuild --quiet
pc=$(find "$dest" -name pcilayout.pc | head -n 1)
if [ -n "$pc" ]; then ok; else fail "no pcilayout.pc installed"; finish; exit; fi
if [ -n "$(find "$dest" -path '*include/pcilayout/pcilayout.h')" ]; then ok; else fail "public header not installed"; fi
if [ -n "$(find "$dest" -name 'libpcilayout.a')" ]; then ok; else fail "static library not installed"; fi
if [ -n "$(find "$dest" -name 'pcilayout.1')" ]; then ok; else fail "man page not installed"; fi
if [ -n "$(find "$dest" -path '*bin/pcilayout')" ]; then ok; else fail "tool not installed"; fi
if [ -n "$(find "$dest" -path '*/bash-completion/completions/pcilayout')" ]; then ok; else fail "bash completion not installed"; fi
if [ -n "$(find "$dest" -path '*/share/pcilayout/pcilayout-2.schema.json')" ]; then ok; else fail "layout schema not installed"; fi
for s in "$PCL_SRCDIR"/docs/schemas/*.json; do
	if [ -n "$(find "$dest" -path "*/share/pcilayout/schemas/${s##*/}")" ]; then ok; else fail "${s##*/} not installed"; fi
done
for d in "$PCL_SRCDIR"/docs/*.md; do
	if [ -n "$(find "$dest" -path "*/share/doc/pcilayout/${d##*/}")" ]; then ok; else fail "${d##*/} not installed"; fi
done
man=$(find "$dest" -name 'pcilayout.1' | head -n 1)
for cmd in $("$PCILAYOUT" -h | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1}'); do
	# scdoc renders "## show ..." as a .SS section header.
	if grep -q "^\.SS $cmd\b" "$man"; then ok; else fail "the man page has no section for '$cmd'"; fi
done

export PKG_CONFIG_SYSROOT_DIR="$dest"
export PKG_CONFIG_PATH="$(dirname "$pc")"
libdir=$(dirname "$(find "$dest" -name 'libpcilayout.so.0' | head -n 1)")
fx="$PCL_SRCDIR/tests/fixtures/plan"
# The consumer (tests/cli/consumer.c) is compiled in $T, with only what
# pkg-config says: no include path or library of the source or build tree.
cp "$PCL_SRCDIR/tests/cli/consumer.c" "$T/consumer.c"
cflags=$(pkg-config --cflags pcilayout)
case " $cflags " in
*" -I$PCL_SRCDIR"* | *" -I$PCL_BUILDDIR"*) fail "pkg-config points into the tree: $cflags" ;;
*) ok ;;
esac
flags="$cflags $(pkg-config --libs pcilayout)"
expect_exit 0 "compile against the installed library" -- sh -c "cd '$T' && cc -Wall -Wextra -Werror -o consumer consumer.c $flags"
expect_exit 0 "run against the installed library" -- env LD_LIBRARY_PATH="$libdir" "$T/consumer" "$fx/pf.lspci" "$fx/vf.lspci"
expect_grep "$T/out" "1af4:10f4 caps=" "program output"
expect_grep "$T/out" "pasid at 0x1b0 cap 0x1402" "the engine serves the planned PASID"
if LD_LIBRARY_PATH="$libdir" ldd "$T/consumer" | grep -q "$libdir/libpcilayout.so.0"; then ok; else fail "the consumer did not load the staged library"; fi

# Static: the archive plus what Requires.private names must be enough.
# A sanitizer build's archive needs the sanitizer runtimes too.
san=""
if nm "$libdir/libpcilayout.a" 2>/dev/null | grep -q ' U __asan_'; then san="-fsanitize=address,undefined"; fi
sflags="$cflags $(pkg-config --static --libs pcilayout | sed 's/-lpcilayout\b/-l:libpcilayout.a/')"
expect_exit 0 "link statically with pkg-config --static" -- sh -c "cd '$T' && cc $san -Wall -Werror -o consumer-static consumer.c $sflags"
if [ -x "$T/consumer-static" ] && ! ldd "$T/consumer-static" | grep -q libpcilayout; then ok; else fail "the static consumer loads libpcilayout.so"; fi
expect_exit 0 "run the static consumer" -- "$T/consumer-static" "$fx/pf.lspci" "$fx/vf.lspci"
expect_grep "$T/out" "pasid at 0x1b0 cap 0x1402" "static program output"

# A downstream Rust crate: the example of rust/ built through the same
# pkg-config file (pcilayout-sys's build.rs), run against the stage.
. "$PCL_SRCDIR/tests/rust/cargo-env.sh"
if [ -n "$CARGO" ]; then
	cargo_preload "$libdir/libpcilayout.so.0"
	expect_exit 0 "cargo build against the installed library" -- env CARGO_TARGET_DIR="$T/rust-target" \
		sh -c "cd '$PCL_SRCDIR/rust' && '$CARGO' build --offline --locked --example vf_pasid"
	expect_exit 0 "run the Rust example against the installed library" -- env LD_LIBRARY_PATH="$libdir" $CARGO_PRELOAD \
		"$T/rust-target/debug/examples/vf_pasid" "$fx/pf.lspci" "$fx/vf.lspci"
	expect_grep "$T/out" "guest: pasid at 0x1b0: max width 20, exec 1, priv 0" "Rust example output"
	if LD_LIBRARY_PATH="$libdir" ldd "$T/rust-target/debug/examples/vf_pasid" | grep -q "$libdir/libpcilayout.so.0"; then ok; else fail "the Rust example is not linked to the staged library"; fi
else
	echo "install: cargo missing: the Rust consumer was NOT built (scripts/bootstrap.sh installs it)" >&2
	fail "no cargo for the Rust consumer"
fi
finish
