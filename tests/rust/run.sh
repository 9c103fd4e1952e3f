#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The Rust crates (rust/) against this build's library: `cargo test
# --offline --locked` (unit, integration and doc tests, and bindgen's
# layout tests of every C struct), then the example vf_pasid, checked
# against the CLI: the layout it plans has the fingerprint `pcilayout
# plan` gives, and the 4096 bytes its guest reads through the engine are
# the image `pcilayout synth` writes. Output is TAP: one line per Rust test
# as cargo reports it, then one per check of the example. Without cargo the
# whole test is a TAP skip (scripts/bootstrap.sh installs Debian's).
set -u
. "$PCL_SRCDIR/tests/rust/cargo-env.sh"
if [ -z "$CARGO" ]; then
	echo "1..0 # SKIP cargo is not installed"
	exit 0
fi
echo "# $CARGO_WHICH" >&2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# The build tree's library, found through its uninstalled pkg-config file.
export PKG_CONFIG_PATH="$PCL_BUILDDIR/meson-uninstalled"
export CARGO_TARGET_DIR="$PCL_BUILDDIR/rust/target"
# Warnings are errors, as for the C code (-Dwerror=true).
export RUSTFLAGS="-D warnings"
export LD_LIBRARY_PATH="$PCL_BUILDDIR/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
cargo_preload "$PCL_BUILDDIR/lib/libpcilayout.so"

n=0
tap() { # tap ok|not-ok DESCRIPTION
	n=$((n + 1))
	if [ "$1" = ok ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

(cd "$PCL_SRCDIR/rust" && "$CARGO" test --offline --locked --no-fail-fast) >"$T/cargo.log" 2>&1
rc=$?
sed 's/^/# /' "$T/cargo.log" >&2
# "test NAME ... ok" for every test of every test binary and doc test.
sed -n 's/^test \(.*\) \.\.\. \(ok\|FAILED\|ignored\)$/\2 \1/p' "$T/cargo.log" >"$T/results"
while read -r res name; do
	case $res in
	ok) tap ok "rust: $name" ;;
	ignored) n=$((n + 1)); echo "ok $n - rust: $name # SKIP ignored" ;;
	*) tap not-ok "rust: $name" ;;
	esac
done <"$T/results"
if [ "$rc" -ne 0 ]; then
	tap not-ok "cargo test exited $rc (see the log above)"
elif [ ! -s "$T/results" ]; then
	tap not-ok "cargo test reported no test"
fi

# The example, cross-checked with the C CLI on the same request.
ex="$CARGO_TARGET_DIR/debug/examples/vf_pasid"
fx="$PCL_SRCDIR/tests/fixtures/plan"
"$PCILAYOUT" plan --no-default-quirks --pf "$fx/pf.lspci" --add pasid \
	--pasid-width 20 --pasid-exec "$fx/vf.lspci" -o "$T/cli.json" 2>"$T/cli.err"
want_fp=$("$PCILAYOUT" fingerprint "$T/cli.json" | cut -d' ' -f1)
"$PCILAYOUT" synth "$T/cli.json" "$fx/vf.lspci" -o "$T/synth.bin"
if env $CARGO_PRELOAD "$ex" "$fx/pf.lspci" "$fx/vf.lspci" --image "$T/guest.bin" >"$T/ex.out" 2>"$T/ex.err"; then
	tap ok "vf_pasid runs"
else
	tap not-ok "vf_pasid runs"
fi
sed 's/^/# /' "$T/ex.out" "$T/ex.err" >&2
check() { # check DESCRIPTION FIXED-TEXT
	if grep -qF -- "$2" "$T/ex.out"; then tap ok "vf_pasid: $1"; else tap not-ok "vf_pasid: $1 ('$2' missing)"; fi
}
case $want_fp in
sha256:*) check "plans the layout the CLI plans" "plan: layout 1af4-10f4-vf $want_fp" ;;
*) tap not-ok "vf_pasid: the CLI gave no fingerprint" ;;
esac
if [ -s "$T/synth.bin" ] && cmp -s "$T/synth.bin" "$T/guest.bin"; then
	tap ok "vf_pasid: the guest reads the image pcilayout synth writes"
else
	tap not-ok "vf_pasid: the guest reads the image pcilayout synth writes"
fi
check "the guest finds the PASID where the plan put it" "guest: pasid at 0x1b0: max width 20, exec 1, priv 0"
check "the enable is reported to the VMM" "vmm: Pasid register at 0x1b6 changed 0x0 -> 0x1"
check "the enable stays in the engine" "device: writes for the pasid enable: 0"
# The width follows the IOMMU when it allows less than the PF.
env $CARGO_PRELOAD "$ex" "$fx/pf.lspci" "$fx/vf.lspci" --iommu-width 8 >"$T/ex.out" 2>&1
check "a narrower IOMMU narrows the PASID" "guest: pasid at 0x1b0: max width 8, exec 1, priv 0"
env $CARGO_PRELOAD "$ex" "$fx/pf.lspci" /nonexistent.lspci >"$T/ex.out" 2>&1
st=$?
if [ "$st" -eq 1 ] && grep -qF "/nonexistent.lspci" "$T/ex.out"; then
	tap ok "vf_pasid: a missing dump is an error naming it"
else
	tap not-ok "vf_pasid: a missing dump is an error naming it (exit $st)"
fi
echo "1..$n"
