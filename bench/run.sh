#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Run the three benchmarks (issue 11) and print their tables: analysis
# throughput against lspci, engine cost per guest access, fleet scale.
# Usage: sh bench/run.sh [BUILD_DIR]    (default: build)
# Extra arguments per program: BENCH_ANALYSIS_ARGS, BENCH_VDEV_ARGS,
# BENCH_FLEET_ARGS (e.g. BENCH_ANALYSIS_ARGS="-n 1000 -r 3" for a quick run).
# $PCL_CORPUS names the corpus (default: ../shared/corpus of the source).
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
exit $rc
