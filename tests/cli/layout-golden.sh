#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Golden tests for `pcilayout lint`, `fmt` and `fingerprint` over
# tests/fixtures/layouts: every invalid fixture fails with exactly the
# messages in its .err file; every valid fixture lints clean and is its own
# canonical form; fmt turns each fmt/*.json into its .expected; -i rewrites
# atomically; fingerprints match fingerprints.txt; examples stay valid.
set -u
: "${PCILAYOUT:?}" "${PCL_SRCDIR:?}"
FIX="$PCL_SRCDIR/tests/fixtures/layouts"
TMP=$(mktemp -d) || exit 1
trap 'chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# Invalid corpus: exit 1 and exactly the expected messages (run from the
# fixture directory so file names in the messages are stable).
n=0
for f in "$FIX"/invalid/*.json; do
	base=$(basename "$f")
	n=$((n + 1))
	(cd "$FIX/invalid" && "$PCILAYOUT" lint -q "$base") >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq 1 ] || bad "$base: lint exit $rc, expected 1"
	[ -s "$TMP/out" ] && bad "$base: lint -q printed on stdout"
	diff -u "${f%.json}.err" "$TMP/err" || bad "$base: messages differ"
	# Every message names a line and a column.
	grep -vq '^[^:]*:[0-9][0-9]*:[0-9][0-9]*: ' "$TMP/err" &&
		bad "$base: a message without line:column"
	# fmt and fingerprint refuse it too, and write nothing on stdout.
	(cd "$FIX/invalid" && "$PCILAYOUT" fmt "$base") >"$TMP/out" 2>/dev/null
	[ $? -eq 1 ] || bad "$base: fmt did not exit 1"
	[ -s "$TMP/out" ] && bad "$base: fmt printed output for an invalid file"
done
[ "$n" -ge 30 ] || bad "only $n invalid fixtures"

# Valid fixtures: clean, canonical, and load -> save is the identity.
for f in "$FIX"/valid/*.json; do
	base=$(basename "$f")
	"$PCILAYOUT" lint -q "$f" || bad "$base: lint failed"
	"$PCILAYOUT" fmt "$f" >"$TMP/canon" || bad "$base: fmt failed"
	cmp -s "$f" "$TMP/canon" || bad "$base: not its own canonical form"
	"$PCILAYOUT" fmt --check "$f" || bad "$base: fmt --check failed"
done

# Examples are valid, and their canonical forms are the example-* fixtures.
for f in "$PCL_SRCDIR"/examples/layouts/*.json; do
	base=$(basename "$f")
	"$PCILAYOUT" lint -q "$f" || bad "example $base does not lint"
	"$PCILAYOUT" fmt "$f" >"$TMP/canon" || bad "example $base: fmt failed"
	cmp -s "$FIX/valid/example-$base" "$TMP/canon" ||
		bad "example $base: canonical form differs from valid/example-$base"
done

# fmt: non-canonical input -> expected output; --check says so; -i rewrites
# in place, keeps the file mode and leaves no temporary file behind.
for f in "$FIX"/fmt/*.json; do
	base=$(basename "$f" .json)
	"$PCILAYOUT" fmt "$f" >"$TMP/canon" || bad "fmt $base failed"
	diff -u "$FIX/fmt/$base.expected" "$TMP/canon" || bad "fmt $base output"
	"$PCILAYOUT" fmt --check "$f" 2>"$TMP/err"
	[ $? -eq 1 ] || bad "fmt --check accepted non-canonical $base"
	grep -q 'not in canonical form' "$TMP/err" || bad "fmt --check message"
	mkdir "$TMP/rw" && cp "$f" "$TMP/rw/l.json" && chmod 640 "$TMP/rw/l.json"
	"$PCILAYOUT" fmt -i "$TMP/rw/l.json" || bad "fmt -i $base failed"
	cmp -s "$FIX/fmt/$base.expected" "$TMP/rw/l.json" || bad "fmt -i $base result"
	[ "$(stat -c %a "$TMP/rw/l.json")" = 640 ] || bad "fmt -i changed the mode"
	[ "$(ls -A "$TMP/rw" | wc -l)" -eq 1 ] || bad "fmt -i left files: $(ls -A "$TMP/rw")"
	# A directory we cannot write to: error, original untouched, no temp.
	cp "$f" "$TMP/rw/ro.json" && chmod 555 "$TMP/rw"
	if [ ! -w "$TMP/rw" ]; then
		"$PCILAYOUT" fmt -i "$TMP/rw/ro.json" 2>"$TMP/err"
		[ $? -eq 2 ] || bad "fmt -i in a read-only directory did not exit 2"
		cmp -s "$f" "$TMP/rw/ro.json" || bad "fmt -i changed a file it could not replace"
		[ "$(ls -A "$TMP/rw" | wc -l)" -eq 2 ] || bad "fmt -i left a temporary file"
	fi
	chmod 755 "$TMP/rw" && rm -rf "$TMP/rw"
done

# Fingerprints (golden), and the same fingerprint for the non-canonical
# spelling of a layout as for its canonical form.
(cd "$FIX" && "$PCILAYOUT" fingerprint valid/*.json) >"$TMP/fp" ||
	bad "fingerprint failed"
diff -u "$FIX/fingerprints.txt" "$TMP/fp" || bad "fingerprints differ"
a=$("$PCILAYOUT" fingerprint "$FIX/fmt/mixed-input.json" | cut -d' ' -f1)
b=$("$PCILAYOUT" fingerprint "$FIX/valid/mixed.json" | cut -d' ' -f1)
[ "$a" = "$b" ] || bad "fingerprint depends on spelling"

# Bad usage and unreadable input: exit 2.
"$PCILAYOUT" lint "$TMP/does-not-exist.json" 2>"$TMP/err"
[ $? -eq 2 ] || bad "lint of a missing file did not exit 2"
grep -q 'does-not-exist.json: No such file' "$TMP/err" || bad "missing-file message"
"$PCILAYOUT" lint 2>/dev/null
[ $? -eq 2 ] || bad "lint without FILE did not exit 2"
"$PCILAYOUT" fmt a.json b.json 2>/dev/null
[ $? -eq 2 ] || bad "fmt with two files and no -i did not exit 2"

# Several files: every one is reported, the status is the worst.
(cd "$FIX" && "$PCILAYOUT" lint valid/mixed.json invalid/overlap.json invalid/misaligned.json) \
	>"$TMP/out" 2>"$TMP/err"
[ $? -eq 1 ] || bad "lint of mixed files did not exit 1"
grep -q '^valid/mixed.json: ok$' "$TMP/out" || bad "lint did not report the valid file"
[ "$(wc -l <"$TMP/err")" -eq 2 ] || bad "lint did not report both invalid files"

# 10 MB of '[' and a 10 MB valid-looking file: refused cleanly.
head -c 10485760 /dev/zero | tr '\0' '[' >"$TMP/big.json"
"$PCILAYOUT" lint -q "$TMP/big.json" 2>"$TMP/err"
[ $? -eq 1 ] || bad "10 MB file did not exit 1"
grep -q ':1:1: file is too large' "$TMP/err" || bad "10 MB file message: $(cat "$TMP/err")"
"$PCILAYOUT" lint -q - <"$TMP/big.json" 2>"$TMP/err"
[ $? -eq 1 ] || bad "10 MB on stdin did not exit 1"

# Standard input works and is named <stdin>.
"$PCILAYOUT" lint -q - <"$FIX/invalid/overlap.json" 2>"$TMP/err"
grep -q '^<stdin>:7:5: ' "$TMP/err" || bad "stdin name: $(cat "$TMP/err")"

exit $fail
