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
