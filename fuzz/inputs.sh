# SPDX-License-Identifier: BSD-3-Clause
# inputs.sh - sourced by fuzz/replay-test.sh and fuzz/run.sh: fuzz_inputs
# TARGET SRCDIR prints the shipped directories whose files a target parses
# (beyond its generated seeds), one per line, so replays and fuzz runs
# start from the same inputs.
fuzz_inputs() {
	case $1 in
	dump)
		dirs="examples tests/fixtures tests/adversarial"
		;;
	layout)
		dirs="examples data/quirks tests/fixtures"
		;;
	ids)
		dirs="tests/fixtures/names"
		;;
	*)
		dirs=""
		;;
	esac
	dirs="$dirs tests/regressions/fuzz_$1"
	for d in $dirs; do
		[ -d "$2/$d" ] && echo "$2/$d"
	done
	return 0
}
