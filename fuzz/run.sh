#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# run.sh [-c] BUILDDIR SECONDS CORPUSROOT [TARGET...]: run each libFuzzer
# binary of a -Dfuzzing=true build for SECONDS, growing CORPUSROOT/TARGET
# (new interesting inputs land there) from the generated seeds and the
# shipped inputs. Prints one line of figures per target. Crashes, leaks,
# timeouts and OOMs fail the run; with -c they are also copied into
# tests/regressions/fuzz_TARGET/, where the fuzz-replay suite keeps them.
# $FUZZ_EXTRA_SEEDS: more seed directories (local runs, e.g. ../shared/corpus).
set -eu
collect=0
if [ "${1:-}" = "-c" ]; then
	collect=1
	shift
fi
build=$1
secs=$2
corpus=$3
shift 3
src=$(cd "$(dirname "$0")/.." && pwd)
. "$src/fuzz/inputs.sh"

if [ $# -eq 0 ]; then
	for f in "$build"/fuzz/fuzz_*; do
		case $f in
		*_replay | *_seeds | *.p) continue ;;
		esac
		[ -x "$f" ] && set -- "$@" "${f##*/fuzz_}"
	done
fi
if [ $# -eq 0 ]; then
	echo "fuzz: no libFuzzer binaries in $build/fuzz" >&2
	exit 1
fi

seeds=$(mktemp -d "$build/fuzz-seeds.XXXXXX")
trap 'rm -rf "$seeds"' EXIT
"$build/fuzz/fuzz_seeds" "$seeds/s" "$src" >/dev/null
seeds="$seeds/s"
mkdir -p "$build/fuzz-logs" "$build/fuzz-artifacts"

failed=0
for t in "$@"; do
	bin="$build/fuzz/fuzz_$t"
	log="$build/fuzz-logs/$t.log"
	art="$build/fuzz-artifacts/$t"
	mkdir -p "$corpus/$t" "$art"
	case $t in
	walk) maxlen=4096 ;;
	dump) maxlen=65536 ;;
	*) maxlen=16384 ;;
	esac
	# fuzz_vdev and fuzz_walk: libFuzzer's entropic schedule keeps a
	# frequency for each feature seen fewer than 256 times, and pays for
	# each feature of each input a search of that list (clang 14's
	# libFuzzer): 30-40 % of a short run of these
	# targets, whose every input reaches ~6,000 edges. The plain schedule
	# ran 1.3-2.1x as many inputs and reached as many edges and features
	# in 20 s (BENCHMARKS.md).
	entropic=1
	case $t in vdev | walk) entropic=0 ;; esac
	set -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-max_len="$maxlen" -print_final_stats=1 -entropic="$entropic" \
		-artifact_prefix="$art/"
	[ -f "$src/fuzz/$t.dict" ] && set -- "$@" -dict="$src/fuzz/$t.dict"
	set -- "$@" "$corpus/$t"
	[ -d "$seeds/$t" ] && set -- "$@" "$seeds/$t"
	for d in $(fuzz_inputs "$t" "$src") ${FUZZ_EXTRA_SEEDS:-}; do
		[ -d "$d" ] && set -- "$@" "$d"
	done
	rc=0
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
		"$bin" "$@" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
	units=$(find "$corpus/$t" -type f | wc -l)
	bad=$(find "$art" -type f | wc -l)
	if [ "$rc" -eq 0 ] && [ "$bad" -eq 0 ]; then
		result=ok
	else
		result="FAILED (exit $rc, $bad artifacts; log $log)"
		failed=1
	fi
	printf 'fuzz_%s: %ss, %s execs, %s/s, peak %s MB, corpus %s: %s\n' \
		"$t" "$secs" "${execs:-?}" "${rate:-?}" "${rss:-?}" \
		"$units" "$result"
	if [ "$result" != ok ]; then
		grep -E 'ERROR|SUMMARY|invariant|==[0-9]+==' "$log" | head -8 >&2
		if [ "$collect" -eq 1 ] && [ "$bad" -gt 0 ]; then
			mkdir -p "$src/tests/regressions/fuzz_$t"
			cp "$art"/* "$src/tests/regressions/fuzz_$t/"
			echo "fuzz: copied to tests/regressions/fuzz_$t/: fix" \
			     "the bug, then commit the input" >&2
		elif [ "$bad" -gt 0 ]; then
			echo "fuzz: to keep it as a regression test:" \
			     "cp $art/* tests/regressions/fuzz_$t/" >&2
		fi
	fi
done
exit $failed
