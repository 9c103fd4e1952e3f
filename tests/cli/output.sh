#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# output.sh - what every command does with its output channel:
#  * `pcilayout CMD ... > /dev/full` exits 2 naming the cause (ENOSPC), for
#    every command of `pcilayout -h`, in text and under -j;
#  * a reader that goes away (EPIPE, SIGPIPE ignored) ends the command
#    quietly, with status 2;
#  * under -j, a failing command prints the JSON error document on stdout
#    (nothing on stderr) with the exit status it has without -j.
. "$PCL_SRCDIR/tests/cli/lib.sh"
P=$PCILAYOUT
ex="$PCL_SRCDIR/examples"
nic="$ex/devices/nic-hidden-registers.lspci"
vf="$ex/devices/vf-orphan-pasid.lspci"
vf2="$ex/devices/vf-orphan-pasid-fw2.lspci"
layout="$ex/layouts/gpu-relocated.json"
"$P" plan --add pasid --pasid-width 20 -o "$T/vf.json" "$vf" 2>/dev/null || fail "plan for the cases"
if command -v python3 >/dev/null 2>&1; then
	python3 "$PCL_SRCDIR/tests/fixtures/sysfs/mksysfs.py" "$PCL_SRCDIR" "$T/sys" || fail "mksysfs.py"
fi

# One invocation per command that writes to stdout (-j is added below).
cases() {
	cat <<CASES
show $nic
map --no-color $nic
gaps --size 8 $nic
lint $layout
fmt $layout
fingerprint $layout
dvsec decode $nic
plan $nic
plan --emit qemu-json --allow-partial $vf
check --pasid-width 20 $T/vf.json $vf
diff $T/vf.json $T/vf.json
unify --add pasid --pasid-width 20 $vf $vf2
survey $ex/devices
synth -o - $T/vf.json $vf
collect
CASES
}

# Every command of the tool has a case.
for cmd in $("$P" -h | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1}'); do
	if cases | grep -qE "^$cmd( |\$)"; then ok; else fail "no /dev/full case for '$cmd'"; fi
done

full() { # json, args...
	j=$1
	shift
	# shellcheck disable=SC2086 # $j is empty or -j
	PCILAYOUT_SYSFS="$T/sys" "$P" "$@" $j >/dev/full 2>"$T/err"
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q "cannot write standard output: No space left on device" "$T/err"; then
		ok
	else
		fail "'$* $j' > /dev/full: exit $rc"
		head -3 "$T/err" >&2
	fi
}
cases | while read -r line; do
	# shellcheck disable=SC2086 # the words of the case
	full "" $line
	# synth -o - writes the image to stdout: -j goes with -o FILE.
	case $line in synth*) full -j synth -o "$T/img" "$T/vf.json" "$vf" ;; *) full -j $line ;; esac
done >"$T/full.log" 2>&1
grep -c . "$T/full.log" >/dev/null && sed -n 's/^FAIL/FAIL/p' "$T/full.log" >&2
grep -q FAIL "$T/full.log" && fail "/dev/full cases (above)" || ok
# -j changes the form of the output, never the exit status.
cases | while read -r line; do
	case $line in synth*) line="synth -o $T/img $T/vf.json $vf" ;; esac
	# shellcheck disable=SC2086 # the words of the case
	PCILAYOUT_SYSFS="$T/sys" "$P" $line >/dev/null 2>&1
	want=$?
	# shellcheck disable=SC2086
	PCILAYOUT_SYSFS="$T/sys" "$P" $line -j >"$T/jout" 2>/dev/null
	got=$?
	[ "$got" -eq "$want" ] || echo "FAIL: '$line': exit $want, with -j $got"
	grep -q '"format": "pcilayout-error"' "$T/jout" && [ "$want" -eq 0 ] &&
		echo "FAIL: '$line -j': an error document for a success"
done >"$T/same.log" 2>&1
if grep -q FAIL "$T/same.log"; then cat "$T/same.log" >&2; fail "-j changed an exit status (above)"; else ok; fi
expect_exit 2 "--version > /dev/full" -- sh -c '"$1" --version >/dev/full' sh "$P"
expect_exit 2 "-h > /dev/full" -- sh -c '"$1" -h >/dev/full' sh "$P"

# A closed pipe ends the command quietly; SIGPIPE ignored, as some
# management daemons run their children.
# 64 copies of a dump, each at its own address: output far larger than
# a pipe holds.
for i in $(seq 64); do cat "$nic"; echo; done |
	awk '/^02:00.0 /{n++; sub(/^02/, sprintf("%02x", n))} {print}' >"$T/many2.lspci"
sh -c 'trap "" PIPE; "$1" map --no-color "$2" 2>"$3"; echo $? >"$4"' sh "$P" "$T/many2.lspci" "$T/perr" "$T/prc" | head -c 100 >/dev/null
[ "$(cat "$T/prc")" = 2 ] && ok || fail "EPIPE: exit $(cat "$T/prc"), expected 2"
if [ -s "$T/perr" ]; then fail "EPIPE is not quiet: $(head -2 "$T/perr")"; else ok; fi

# Under -j, errors are the JSON error document, with the same exit status.
for cmd in $("$P" -h | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1}'); do
	"$P" "$cmd" --no-such-option >/dev/null 2>&1
	want=$?
	"$P" "$cmd" -j --no-such-option >"$T/out" 2>"$T/err"
	got=$?
	[ "$got" -eq 2 ] && [ "$want" -eq 2 ] && ok || fail "$cmd: a bad option exits $want, with -j $got"
	expect_grep "$T/out" '"format": "pcilayout-error"' "$cmd -j: the error document"
	expect_grep "$T/out" '"exit": 2' "$cmd -j: the exit status in it"
	if [ -s "$T/err" ]; then fail "$cmd -j wrote to stderr: $(head -1 "$T/err")"; else ok; fi
done
for c in "show $T/missing" "map $T/missing" "plan $T/missing" "check $layout $T/missing" \
	"diff $layout $T/missing" "lint $T/missing" "fingerprint $T/missing" "gaps --size 8 $T/missing"; do
	# shellcheck disable=SC2086
	"$P" $c >/dev/null 2>&1
	want=$?
	# shellcheck disable=SC2086
	"$P" -j $c >/dev/null 2>&1 ; "$P" $c -j >"$T/out" 2>"$T/err"
	got=$?
	[ "$got" -eq "$want" ] && ok || fail "'$c': exit $want, with -j $got"
	if [ -s "$T/err" ]; then fail "'$c -j' wrote to stderr"; else ok; fi
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
sys.exit(0 if d["messages"] or any(f["errors"] for f in d.get("files", d.get("layouts", []))) else 1)' "$T/out" &&
		ok || fail "'$c -j': the message is in the JSON"
done
finish
