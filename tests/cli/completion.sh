#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The bash completion (completion/pcilayout) completes what the tool's help
# says: every command, each command's options, the values of --emit, and
# the live functions' addresses for -s (on a sysfs tree of our own).
. "$PCL_SRCDIR/tests/cli/lib.sh"
command -v bash >/dev/null 2>&1 || { echo "SKIP: no bash"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
python3 "$PCL_SRCDIR/tests/fixtures/sysfs/mksysfs.py" "$PCL_SRCDIR" "$T/sys" || fail "mksysfs.py"

# complete WORDS...: what the completion offers for the last word.
complete() {
	PCILAYOUT_SYSFS="$T/sys" bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_pcilayout
		printf "%s\n" "${COMPREPLY[@]}"' sh "$PCL_SRCDIR/completion/pcilayout" "$@" >"$T/c"
}
has() { # description, word...
	what=$1
	shift
	for w in "$@"; do
		grep -qxF -- "$w" "$T/c" || { fail "$what: '$w' not offered"; sed 's/^/  offered: /' "$T/c" | head -5 >&2; return; }
	done
	ok
}

complete "$PCILAYOUT" ""
for cmd in $("$PCILAYOUT" -h | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1}'); do
	has "the commands" "$cmd"
done
has "the commands" collect
complete "$PCILAYOUT" pl
has "a prefix" plan
complete "$PCILAYOUT" plan --e
has "plan's options" --emit --explain
complete "$PCILAYOUT" plan --emit ""
has "--emit's values" qemu qemu-json libvirt
complete "$PCILAYOUT" show -s ""
has "-s: this machine's functions" 0000:00:02.0 0000:01:00.1
complete "$PCILAYOUT" dvsec ""
has "dvsec's actions" encode decode inject
# Every long option in a command's help is offered.
for cmd in show map gaps plan check diff unify survey synth collect lint fmt fingerprint; do
	complete "$PCILAYOUT" "$cmd" -
	opts=$("$PCILAYOUT" "$cmd" -h | grep -oE -- '--[a-z][a-z-]*' | sort -u)
	# shellcheck disable=SC2086 # one word per option
	has "$cmd's options" $opts -j
done
finish
