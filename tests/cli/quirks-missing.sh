#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The library reads quirks only from $PCILAYOUT_QUIRKS and its installed
# directory. With neither, `map` of an Intel IGD must say that its reserved
# registers are missing (warning "quirks-missing", exit 0) instead of
# silently showing them as free, and --strict (map, gaps, plan, check)
# must stop with exit 2 before printing anything. Skipped (77) when a
# pcilayout is installed at this build's prefix: the database then exists.
. "$PCL_SRCDIR/tests/cli/lib.sh"

fx="$PCL_SRCDIR/tests/fixtures/map"
db=$PCILAYOUT_QUIRKS
layout="$PCL_SRCDIR/examples/layouts/gpu-relocated.json"
reserved="reserved 0x050-0x053: GMCH"

# With the database given, the IGD's ranges are there and nothing is said.
expect_exit 0 "map with \$PCILAYOUT_QUIRKS" -- "$PCILAYOUT" map --strict --no-color "$fx/igd.lspci"
expect_grep "$T/out" "$reserved" "IGD ranges with the database"
if [ -s "$T/err" ]; then fail "a warning with the database: $(cat "$T/err")"; else ok; fi

unset PCILAYOUT_QUIRKS
"$PCILAYOUT" map --no-color "$fx/igd.lspci" >"$T/probe" 2>&1
if grep -qF "$reserved" "$T/probe"; then
	echo "SKIP: a quirk database is installed at this build's prefix"
	exit 77
fi

expect_exit 0 "map without a database" -- "$PCILAYOUT" map --no-color "$fx/igd.lspci"
expect_grep "$T/err" "warning: quirks-missing: no quirk database:" "the warning"
expect_grep "$T/err" "\$PCILAYOUT_QUIRKS is not set" "how to fix it"
if grep -qF "$reserved" "$T/out"; then fail "ranges without a database?"; else ok; fi
expect_grep "$T/out" "Legend:" "the map is still drawn"

# --quirks DIR adds to the database; without the shipped one it still warns.
expect_exit 0 "map --quirks DIR without the shipped database" -- "$PCILAYOUT" map --quirks "$db" --no-color "$fx/igd.lspci"
expect_grep "$T/out" "$reserved" "IGD ranges from --quirks"
expect_grep "$T/err" "quirks-missing" "still missing the shipped database"

# --no-default-quirks: the user asked for no database; nothing to say.
expect_exit 0 "map --no-default-quirks --strict" -- "$PCILAYOUT" map --no-default-quirks --strict --no-color "$fx/igd.lspci"
if [ -s "$T/err" ]; then fail "--no-default-quirks warned: $(cat "$T/err")"; else ok; fi

# --strict: an error, exit 2, no output.
strict() { # description, command...
	what=$1
	shift
	expect_exit 2 "$what --strict" -- "$@"
	expect_grep "$T/err" "quirks-missing" "$what --strict names the finding"
	if [ -s "$T/out" ]; then fail "$what --strict printed output"; else ok; fi
}
strict map "$PCILAYOUT" map --strict "$fx/igd.lspci"
# Under --json, the error is the JSON error document on stdout, and the
# warning of a run without --strict is one of the document's messages.
expect_exit 2 "map --json --strict" -- "$PCILAYOUT" map --strict --json "$fx/igd.lspci"
expect_grep "$T/out" '"format": "pcilayout-error"' "map --json --strict: the error document"
expect_grep "$T/out" "quirks-missing" "map --json --strict names the finding"
if [ -s "$T/err" ]; then fail "map --json --strict wrote to stderr"; else ok; fi
expect_exit 0 "map --json without a database" -- "$PCILAYOUT" map --json "$fx/igd.lspci"
expect_grep "$T/out" '"severity": "warning"' "map --json: the warning is a message"
expect_grep "$T/out" "quirks-missing" "map --json: the warning names the finding"
strict gaps "$PCILAYOUT" gaps --strict --size 8 "$fx/igd.lspci"
strict plan "$PCILAYOUT" plan --strict "$fx/igd.lspci"
strict check "$PCILAYOUT" check --strict "$layout" "$fx/igd.lspci"
finish
