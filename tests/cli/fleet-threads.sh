#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# fleet-threads.sh - unify and survey read and analyse their inputs in
# several threads (--threads; tools/compat-stream.c) and hand them to the
# pool in order. Over a generated fleet with malformed, empty, missing and
# skipped inputs among the good ones, in a directory, a subdirectory, as
# single files and twice on standard input, every output - stdout, stderr
# and the exit status; text, --explain, --json, -o, -d - is byte for byte
# the same with 1, 2, 3 and 8 threads and with the default. Bad --threads
# values are refused.
set -u
. "$PCL_SRCDIR/tests/cli/lib.sh"
[ -d "$PCL_CORPUS" ] || exit 77
command -v python3 >/dev/null 2>&1 || exit 77
command -v mkfifo >/dev/null 2>&1 || exit 77
P=$PCILAYOUT
F=$T/fleet

python3 "$PCL_SRCDIR/tests/cli/fleetgen.py" "$PCL_CORPUS" "$F" 600 11 ||
	{ fail "fleetgen"; finish; exit 1; }
# What cannot be read, among the hosts in name order and deeper down.
mkdir -p "$F/sub/deeper"
: >"$F/host-00100-empty.lspci"
printf 'not a dump\n' >"$F/host-00200-garbage.lspci"
head -c 100 /dev/zero >"$F/sub/host-odd-size.bin"
cp "$PCL_CORPUS/intel-x550-10g-nic.lspci" "$F/sub/deeper/host-real.lspci"
ln -s nowhere "$F/host-00300-dangling"
ln -s "$F/host-00002.lspci" "$F/host-00400-link.lspci"
mkfifo "$F/host-00500-fifo"

# run NAME THREADS COMMAND ARGS...: stdout, stderr and status into $T/NAME.THREADS.*;
# standard input is a host's dump, read by the first "-" (the second gets
# nothing).
run() {
	name=$1
	threads=$2
	cmd=$3
	shift 3
	[ "$threads" = default ] || set -- --threads "$threads" "$@"
	"$P" "$cmd" "$@" <"$F/host-00004.lspci" >"$T/$name.$threads.out" \
		2>"$T/$name.$threads.err"
	echo $? >"$T/$name.$threads.rc"
}

SRC="$F $T/missing.lspci - $F/host-00003.lspci - $F/sub"
for t in 1 2 3 8 default; do
	# shellcheck disable=SC2086 # $SRC is a list of words
	{
	run unify "$t" unify --add pasid --pasid-width 20 $SRC
	run explain "$t" unify --explain $SRC
	run ujson "$t" unify --json -o "$T/layout.$t.json" $SRC
	run udev "$t" unify -d 8086:10c9 --explain $SRC
	run survey "$t" survey $SRC
	run sjson "$t" survey --json $SRC
	run sdev "$t" survey -d 8086:1563 $SRC
	}
done

# One thread is the reference: it must have seen what the fleet holds.
[ "$(cat "$T/unify.1.rc")" = 1 ] && ok || fail "unify: exit $(cat "$T/unify.1.rc"), expected 1"
[ "$(cat "$T/survey.1.rc")" = 1 ] && ok || fail "survey: exit $(cat "$T/survey.1.rc"), expected 1"
for what in "missing.lspci" "host-00100-empty.lspci" "host-00200-garbage.lspci" \
	"host-odd-size.bin" "host-00300-dangling: skipped: not a regular file" \
	"host-00500-fifo: skipped: not a regular file" "<stdin>"; do
	expect_grep "$T/survey.1.err" "$what" "survey names what it could not read"
done
python3 - "$T/ujson.1.out" "$T/sjson.1.out" "$F" "$T" <<'PY' && ok || fail "the reference run's reports"
import json, sys
u = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
F, T = sys.argv[3], sys.argv[4]
ours = [F + "/host-00100-empty.lspci", F + "/host-00200-garbage.lspci",
        F + "/sub/host-odd-size.bin", T + "/missing.lspci", "-",
        F + "/sub/host-odd-size.bin"]
# In the order of the arguments and of the names in each directory (the
# generator's own malformed files among them); the second "-" finds
# standard input read by the first.
for doc in (u, s):
    names = [f["source"] for f in doc["unreadable"]]
    assert [n for n in names if n in ours] == ours, names
assert "<stdin>: no device found" in u["unreadable"][-2]["message"], u["unreadable"]
# Every input is a host of one report or the other, read or not.
assert u["hosts"] + u["ignored"] == sum(g["hosts"] for g in s["groups"]) + \
    len(s["unreadable"]), (u["hosts"], u["ignored"])
assert s["hosts"] > 600, s["hosts"]
PY
[ -s "$T/layout.1.json" ] && ok || fail "unify -o wrote no layout"

for t in 2 3 8 default; do
	for name in unify explain ujson udev survey sjson sdev; do
		for part in out err rc; do
			cmp -s "$T/$name.1.$part" "$T/$name.$t.$part" && ok ||
				fail "$name, $t threads: $part differs from one thread's"
		done
	done
	cmp -s "$T/layout.1.json" "$T/layout.$t.json" && ok ||
		fail "unify -o, $t threads: the layout differs from one thread's"
done

for bad in 0 -1 65 x 2x ""; do
	expect_exit 2 "--threads '$bad'" -- "$P" unify --threads "$bad" "$F"
	expect_grep "$T/err" "--threads '$bad': a number from 1 to 64" "--threads '$bad' is refused"
done
finish
