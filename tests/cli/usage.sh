#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The tool's global options, dispatch and usage errors.
. "$PCL_SRCDIR/tests/cli/lib.sh"

expect_exit 0 "--version" -- "$PCILAYOUT" --version
expect_grep "$T/out" "pcilayout 0." "--version prints the version"
expect_exit 0 "-h" -- "$PCILAYOUT" -h
expect_grep "$T/out" "show" "-h lists show"
expect_exit 2 "no command" -- "$PCILAYOUT"
expect_exit 2 "unknown command" -- "$PCILAYOUT" frobnicate
expect_grep "$T/err" "unknown command 'frobnicate'" "unknown command message"
expect_exit 2 "unknown global option" -- "$PCILAYOUT" --bogus show
for cmd in $("$PCILAYOUT" -h | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1}'); do
	expect_exit 0 "$cmd -h" -- "$PCILAYOUT" "$cmd" -h
	expect_grep "$T/out" "Usage: pcilayout $cmd" "$cmd -h shows its usage"
	expect_exit 2 "$cmd with a bad option" -- "$PCILAYOUT" "$cmd" --no-such-option
done
finish
