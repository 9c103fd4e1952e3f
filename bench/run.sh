#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Run the three benchmarks (issue 11) and print their tables: analysis
# throughput against lspci, engine cost per guest access, fleet scale.
# Usage: sh bench/run.sh [BUILD_DIR]    (default: build)
# Extra arguments per program: BENCH_ANALYSIS_ARGS, BENCH_VDEV_ARGS,
# BENCH_FLEET_ARGS (e.g. BENCH_ANALYSIS_ARGS="-n 1000 -r 3" for a quick run).
# $PCL_CORPUS names the corpus (default: ../shared/corpus of the source).
# BENCH_FLEET_FILES=DIR also times the tool over fleets of files (issue 22
# item 3: unify and survey of 100,000 hosts): bench_fleet --write makes
# them in DIR (1.7 GB for 100,000 hosts; BENCH_FLEET_HOSTS, default
# 100000) unless they are there, a pass reads them into the page cache,
# then each run is timed with 1 and 2 threads (/usr/bin/time: wall, user,
# system, peak RSS).
set -u
build=${1:-build}
for b in analysis vdev fleet; do
	if [ ! -x "$build/bench/bench_$b" ]; then
		echo "run.sh: $build/bench/bench_$b is missing; build first" >&2
		exit 2
	fi
done

# The uninstalled library knows no quirk directory of its own.
PCILAYOUT_QUIRKS=${PCILAYOUT_QUIRKS:-$(cd "$(dirname "$0")/.." && pwd)/data/quirks}
export PCILAYOUT_QUIRKS

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
echo "machine: $(nproc 2>/dev/null || echo '?') CPUs, ${cpu:-unknown CPU}"
echo "kernel: $(uname -sr); lspci: $(lspci --version 2>/dev/null || echo 'not installed')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo

rc=0
# Word splitting of the *_ARGS variables is intended.
# shellcheck disable=SC2086
"$build/bench/bench_analysis" ${BENCH_ANALYSIS_ARGS:-} || rc=1
echo
# shellcheck disable=SC2086
"$build/bench/bench_vdev" ${BENCH_VDEV_ARGS:-} || rc=1
echo
# shellcheck disable=SC2086
"$build/bench/bench_fleet" ${BENCH_FLEET_ARGS:-} || rc=1

# The tool over a fleet of files, one host a file, 1,000 to a directory.
fleet_files() {
	dir=$1
	hosts=${BENCH_FLEET_HOSTS:-100000}
	if [ ! -d "$dir/unify-bin" ]; then
		"$build/bench/bench_fleet" --write "$dir" -n "$hosts" || return 1
	fi
	find "$dir" -type f -exec cat {} + >/dev/null
	echo
	echo "== The tool over fleets of files in $dir (wall s, user s, sys s, peak RSS KB)"
	for threads in 1 2; do
		for what in unify-text survey-text unify-bin; do
			case $what in
			survey-*) cmd=survey ;;
			*) cmd="unify --add pasid --pasid-width 20" ;;
			esac
			# shellcheck disable=SC2086 # $cmd and the directories are lists
			/usr/bin/time -f "$what, $threads thread(s): %e %U %S %M" \
				"$build/tools/pcilayout" $cmd --threads "$threads" \
				"$dir/$what"/d* >/dev/null 2>"$dir/time.err"
			tail -n 1 "$dir/time.err"
		done
	done
}
if [ -n "${BENCH_FLEET_FILES:-}" ]; then
	if [ -x /usr/bin/time ]; then
		fleet_files "$BENCH_FLEET_FILES" || rc=1
	else
		echo "run.sh: /usr/bin/time is missing: fleets of files not timed" >&2
	fi
fi
exit $rc
