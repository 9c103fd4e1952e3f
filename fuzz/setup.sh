#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# setup.sh BUILDDIR [CC]: configure BUILDDIR as the libFuzzer build that
# `make fuzz` and scripts/check-hardening.sh run (-Dfuzzing=true, ASan +
# UBSan), with CC (default: what fuzz/clang.sh picks). A BUILDDIR set up
# with another compiler, other options, another fuzz/nocov.txt or another
# fuzz/untraced.cpp is set up anew: meson cannot change a build
# directory's compiler. The pass plugin fuzz/untraced.cpp is built into
# BUILDDIR-plugin/ when CC's LLVM headers are installed (llvm-N-dev,
# scripts/bootstrap.sh); without them the build goes on without it.
set -eu
fz=$1
src=$(cd "$(dirname "$0")/.." && pwd)
cc=${2:-$(sh "$src/fuzz/clang.sh" || true)}
if [ -z "$cc" ]; then
	echo "fuzz: no clang whose libFuzzer links (run scripts/bootstrap.sh)" >&2
	exit 1
fi

# The LLVM that $cc is, if its headers for pass plugins are installed.
ver=$("$cc" -dumpversion | cut -d. -f1)
llvm_config=/usr/lib/llvm-$ver/bin/llvm-config
if [ -x "$llvm_config" ] &&
   [ -f "$("$llvm_config" --includedir)/llvm/Passes/PassPlugin.h" ]; then
	# Absolute: meson compiles in the build directory.
	mkdir -p "$(dirname "$fz")"
	plugin=$(cd "$(dirname "$fz")" && pwd)/${fz##*/}-plugin/untraced.so
	# Not this LLVM's to build (build_plugin()) until the source changes:
	# else each run would set the build up anew to try it again.
	tried="$cc $(cksum <"$src/fuzz/untraced.cpp")"
	if [ "$(cat "${plugin%/*}/failed" 2>/dev/null)" = "$tried" ]; then
		echo "fuzz: fuzz/untraced.cpp does not build with $cc" \
		     "(${plugin%/*}/build.log): UBSan's compares stay" \
		     "traced" >&2
		plugin=
	fi
else
	plugin=
	echo "fuzz: llvm-$ver-dev missing: UBSan's compares stay traced" \
	     "(slower; run scripts/bootstrap.sh)" >&2
fi

# probe CFLAGS...: build a program with one check of each kind UBSan makes
# compares for (alignment, shift, array bounds) into $plugin_dir/probe;
# print how many coverage hook calls its code makes. Fails if it does not
# build.
probe() {
	cat >"$plugin_dir/probe.c" <<-'EOF'
	#include <stdint.h>
	#include <stdlib.h>
	struct rec { uint32_t a; };
	static int table[4];
	__attribute__((noinline)) static uint32_t member(const struct rec *r)
	{ return r->a; }
	__attribute__((noinline)) static uint32_t shift(uint32_t v, int n)
	{ return v << n; }
	__attribute__((noinline)) static int entry(int i) { return table[i]; }
	int main(int argc, char **argv)
	{
		static _Alignas(8) unsigned char buf[16];
		int n = argc - 2;	/* 0, unknown to the compiler */

		switch (atoi(argv[1])) {
		case 1: return (int)member((const struct rec *)(buf + 1 + n));
		case 2: return (int)shift(1, 32 + n);
		case 3: return entry(4 + n);
		}
		return (int)member((const struct rec *)(buf + n)) +
		       (int)shift(0, n) + entry(n);
	}
	EOF
	set -- -O2 -fsanitize=address,undefined -fno-sanitize-recover=all \
		-fsanitize-coverage=inline-8bit-counters,trace-cmp "$@"
	rm -f "$plugin_dir/probe" "$plugin_dir/probe.s"
	"$cc" "$@" -S "$plugin_dir/probe.c" -o "$plugin_dir/probe.s" &&
		"$cc" "$@" "$plugin_dir/probe.c" -o "$plugin_dir/probe" ||
		return 1
	grep -c 'call.*__sanitizer_cov_trace_' "$plugin_dir/probe.s" || true
}

# refuse MESSAGE: the plugin is wrong; stop.
refuse() {
	echo "fuzz: $plugin: $*" >&2
	exit 1
}

# Build $plugin, and refuse it unless UBSan reports each kind of check of
# the probe under it, and its compares are traced less. Return 1 (the
# build goes on without it) if this LLVM does not compile it.
build_plugin() {
	plugin_dir=${plugin%/*}
	rm -rf "$plugin_dir"
	mkdir -p "$plugin_dir"
	# A plugin resolves LLVM's symbols in the compiler that loads it.
	if ! "$cc" -x c++ -shared -fPIC -O2 $("$llvm_config" --cxxflags) \
		"$src/fuzz/untraced.cpp" -o "$plugin" 2>"$plugin_dir/build.log"
	then
		echo "fuzz: fuzz/untraced.cpp does not build with $cc" \
		     "($plugin_dir/build.log): UBSan's compares stay traced" >&2
		echo "$tried" >"$plugin_dir/failed"
		return 1
	fi
	without=$(probe) || refuse "the probe does not build"
	with=$(probe "-fpass-plugin=$plugin") ||
		refuse "the probe does not build with it"
	"$plugin_dir/probe" 0 ||
		refuse "the probe fails without undefined behaviour"
	for k in 1 2 3; do
		if UBSAN_OPTIONS=print_stacktrace=0 "$plugin_dir/probe" $k \
			2>"$plugin_dir/probe.log" ||
		   ! grep -q 'runtime error:' "$plugin_dir/probe.log"; then
			refuse "UBSan misses check $k of the probe under it"
		fi
	done
	[ "$with" -lt "$without" ] ||
		refuse "the probe's compares are as traced as without it" \
		       "($with hook calls)"
}

# fuzz/nocov.txt goes to every object, the library's too (see there).
# -Qunused-arguments: meson's compiler checks run without coverage, where
# clang would call the ignorelist an unused argument and fail them.
# -fno-sanitize-recover=all: every UBSan check as before, each stopping the
# run at its first report, as UBSAN_OPTIONS=halt_on_error=1 (fuzz/run.sh)
# already did. A recoverable check's report path rejoins the code after
# it, and SanitizerCoverage counted the edge past every check: 4,200 of
# fuzz_walk's 5,900 "edges" were UBSan's, and libFuzzer collected 3.7
# times the features for each input. A check that cannot return leaves
# one path on, and the kept inputs reach the same edges of the library
# (rates: BENCHMARKS.md, item 5, eighth pass). -fpass-plugin:
# fuzz/untraced.cpp (see there) keeps the checks' compares out of the
# comparison tracing.
# The ignorelist and the plugin are no dependencies ninja knows: a change
# of either sets up anew ($want: what $fz was set up with).
options="-Dfuzzing=true -Dtests=false -Db_sanitize=address,undefined"
options="$options -Db_lundef=false -Dwerror=true -Dbuildtype=debugoptimized"
settings() {
	c_args="'-Qunused-arguments','-fno-sanitize-recover=all'"
	[ -n "$plugin" ] && c_args="$c_args,'-fpass-plugin=$plugin'"
	c_args="[$c_args,'-fsanitize-coverage-ignorelist=$src/fuzz/nocov.txt']"
	want="$cc $options $c_args $(cksum <"$src/fuzz/nocov.txt")"
	[ -n "$plugin" ] && want="$want $(cksum <"$src/fuzz/untraced.cpp")"
	return 0
}
settings
if [ -f "$fz/build.ninja" ] &&
   [ "$(cat "$fz/fuzz-setup" 2>/dev/null)" = "$want" ] &&
   { [ -z "$plugin" ] || [ -f "$plugin" ]; }; then
	exit 0
fi
rm -rf "$fz"
if [ -n "$plugin" ] && ! build_plugin; then
	plugin=
	settings
fi
# Sanitizer builds must not inherit a developer's $CFLAGS.
# shellcheck disable=SC2086 # $options: words
env -u CFLAGS -u LDFLAGS CC="$cc" meson setup "$fz" $options \
	"-Dc_args=$c_args" >/dev/null
echo "$want" >"$fz/fuzz-setup"
