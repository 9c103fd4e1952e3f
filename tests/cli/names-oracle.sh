#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Our pci.ids reader against libpci's, name by name (tests/tools/names-oracle):
# every vendor and device of the file (and each vendor with a device it
# lacks), unknown vendors, and all 65,536 class/subclass pairs, over the
# system's pci.ids and over tests/fixtures/names/pci.ids. Any difference
# fails. The system file comes from Debian's pci.ids package
# (scripts/bootstrap.sh); without it that half is skipped (77), never passed.
. "$PCL_SRCDIR/tests/cli/lib.sh"

oracle=$PCL_BUILDDIR/tests/tools/names-oracle
[ -x "$oracle" ] || { echo "FAIL: $oracle not built" >&2; exit 1; }

# queries FILE: the IDs FILE names, plus IDs it does not.
queries() {
	awk '
	/^[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][ \t]/ {
		v = substr($0, 1, 4); print "D " v " fffe"; next }
	/^\t[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][ \t]/ {
		if (v != "") print "D " v " " substr($0, 2, 4); next }
	/^[^\t]/ { v = "" }
	' "$1"
	printf 'D abc0 1234\nD 0000 0000\nD ffff ffff\n'
	i=0
	while [ $i -lt 65536 ]; do
		printf 'C %04x5a\n' $i
		i=$((i + 1))
	done
}

# check FILE MIN: the oracle agrees on at least MIN queries.
check() {
	queries "$1" >"$T/q"
	n=$(wc -l <"$T/q")
	if [ "$n" -lt "$2" ]; then
		fail "$1: only $n queries generated"
		return
	fi
	if "$oracle" "$1" <"$T/q" >"$T/out" 2>"$T/err"; then
		ok
		echo "$1: $(tail -n 1 "$T/out")"
	else
		fail "$1: names differ from libpci's"
		head -n 22 "$T/out" "$T/err" >&2
	fi
}

check "$PCL_SRCDIR/tests/fixtures/names/pci.ids" 65550
system=/usr/share/misc/pci.ids
if [ ! -r "$system" ]; then
	finish || exit 1
	echo "SKIP: $system not installed (apt-get install pci.ids)"
	exit 77
fi
check "$system" 70000
finish
