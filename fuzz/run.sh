#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# run.sh [-c] BUILDDIR SECONDS CORPUSROOT [TARGET...]: run each libFuzzer
# binary of a -Dfuzzing=true build for SECONDS, growing CORPUSROOT/TARGET
# (new interesting inputs land there) from the generated seeds and the
# shipped inputs. Prints one line of figures per target. Crashes, leaks,
# timeouts and OOMs fail the run; with -c they are also copied into
# tests/regressions/fuzz_TARGET/, where the fuzz-replay suite keeps them.
# A stop at an open bug already listed in fuzz/pending/known is printed as
# "KNOWN BUG found again" and does not fail the run: it is not new, and
# the 'pending' tests check that each listed bug still reproduces.
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

# known_bug TARGET LOG ARTIFACTS: the property line of fuzz/pending/known
# that a crash of TARGET printed (the bug of those inputs, or one of its
# kind: several inputs may share a line), when the run stopped at
# one invariant failure (one artifact, no sanitizer report) and it is one
# of the listed open bugs; empty otherwise.
known_bug() {
	[ "$3" -eq 1 ] || return 0
	grep -qE 'ERROR: [A-Za-z]*Sanitizer|runtime error:' "$2" && return 0
	line=$(grep -m 1 '^property: ' "$2") || return 0
	tab=$(printf '\t')
	while IFS="$tab" read -r tg input pattern; do
		case $tg in '#'* | '') continue ;; esac
		if [ "$tg" = "$1" ] && [ "${line#"$pattern"}" != "$line" ]; then
			echo "\"$line\" (the kind of fuzz/pending/$input)"
			return 0
		fi
	done <"$src/fuzz/pending/known"
}

failed=0
known_hits=0
for t in "$@"; do
	bin="$build/fuzz/fuzz_$t"
	log="$build/fuzz-logs/$t.log"
	art="$build/fuzz-artifacts/$t"
	# Only this run's crashes count: an earlier run's, already reported,
	# move to $art.prev rather than failing every run after it.
	rm -rf "$art.prev"
	[ -d "$art" ] && mv "$art" "$art.prev"
	mkdir -p "$corpus/$t" "$art"
	case $t in
	walk) maxlen=4096 ;;
	dump) maxlen=65536 ;;
	*) maxlen=16384 ;;
	esac
	# fuzz_vdev and fuzz_walk: libFuzzer's entropic schedule keeps a
	# frequency for each feature seen fewer than 256 times, and pays for
	# each feature of each input a search of that list (clang 14's
	# libFuzzer): 30-40 % of a short run of these targets, whose every
	# input then reached ~6,000 edges, 4,200 of them UBSan's checks'
	# (fuzz/setup.sh). The plain schedule ran 1.3-2.1x as many inputs and
	# reached as many edges and features in 20 s. Without UBSan's edges,
	# and with clang 19, the two schedules ran at the same rate and
	# reached the same edges in 20 s (BENCHMARKS.md, item 5, eighth pass).
	entropic=1
	case $t in vdev | walk) entropic=0 ;; esac
	# ASan's quarantine (256 MB by default) keeps freed memory from reuse
	# so that a later use of it is caught. These two targets allocate
	# 0.5-0.7 MB per input on average (1.2 and 3.5 MB at most, valgrind
	# over the largest inputs of a corpus): until 256 MB are held, every
	# allocation touched fresh pages, ~140,000 page faults in 6,000
	# inputs, and the heap never left the caches. 16 MB still holds every
	# chunk freed in the last four inputs, so a use after free within an
	# input is caught as before; a fixed corpus replayed 1.7x (walk) and
	# 1.8x (vdev) faster (BENCHMARKS.md, item 5, fourth pass).
	quarantine=
	case $t in vdev | walk) quarantine=:quarantine_size_mb=16 ;; esac
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
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1$quarantine} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
		"$bin" "$@" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
	units=$(find "$corpus/$t" -type f | wc -l)
	bad=$(find "$art" -type f | wc -l)
	known=$(known_bug "$t" "$log" "$bad")
	if [ "$rc" -eq 0 ] && [ "$bad" -eq 0 ]; then
		result=ok
	elif [ -n "$known" ]; then
		# Found again, not new: reported, and kept in the summary.
		result="KNOWN BUG found again: $known; log $log"
		known_hits=$((known_hits + 1))
	else
		result="FAILED (exit $rc, $bad artifacts; log $log)"
		failed=1
	fi
	printf 'fuzz_%s: %ss, %s execs, %s/s, peak %s MB, corpus %s: %s\n' \
		"$t" "$secs" "${execs:-?}" "${rate:-?}" "${rss:-?}" \
		"$units" "$result"
	if [ "$result" != ok ] && [ -z "$known" ]; then
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
if [ "$known_hits" -gt 0 ]; then
	echo "fuzz: $known_hits target(s) stopped at a known open bug (fuzz/pending/known): not new, still to fix" >&2
fi
exit $failed
