# SPDX-License-Identifier: BSD-3-Clause
# cargo-env.sh - sourced by the scripts that build the Rust crates (rust/)
# in make check: picks the toolchain and keeps cargo offline and away from
# the user's ~/.cargo. Sets CARGO (empty when there is none) and
# CARGO_WHICH (what it is, for the log).
#
# Debian's cargo and rustc come first when installed (scripts/bootstrap.sh
# installs them): rustc 1.63 is the oldest the crates support, so CI
# proves they still build with it. RUSTC and RUSTDOC are pinned with it,
# or a rustup proxy earlier in PATH would be used instead.
CARGO=""
if [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] && [ -x /usr/bin/rustdoc ]; then
	CARGO=/usr/bin/cargo
	export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
elif command -v cargo >/dev/null 2>&1; then
	CARGO=$(command -v cargo)
fi
CARGO_WHICH=""
if [ -n "$CARGO" ]; then
	CARGO_WHICH="$("$CARGO" --version 2>/dev/null), $(${RUSTC:-rustc} --version 2>/dev/null)"
	# No registry, no user configuration: the crates depend on nothing.
	export CARGO_NET_OFFLINE=true
	export CARGO_HOME="$PCL_BUILDDIR/rust/cargo-home"
	mkdir -p "$CARGO_HOME"
fi

# cargo_preload LIB: a Rust program can load a library built with
# AddressSanitizer (the ASan pass of make check) only when the ASan
# runtime is loaded first, and stable Rust cannot link it first (the
# program then faults before main). So preload it: CARGO_PRELOAD is
# "LD_PRELOAD=..." (for env) or empty, and cargo runs the tests it builds
# through env with it. Build scripts and rustc itself are left alone.
cargo_preload() {
	CARGO_PRELOAD=""
	_asan=$(ldd "$1" 2>/dev/null | awk '/libasan/ { print $3; exit }')
	[ -n "$_asan" ] || return 0
	CARGO_PRELOAD="LD_PRELOAD=$_asan"
	_host=$(${RUSTC:-rustc} -vV | sed -n 's/^host: //p' | tr 'a-z-' 'A-Z_')
	export "CARGO_TARGET_${_host}_RUNNER=env $CARGO_PRELOAD"
}
