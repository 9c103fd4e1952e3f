#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# adversarial.sh - run `pcilayout show --json` on every case of the
# adversarial corpus (tests/adversarial/gen.py writes the files, the 1 GB one
# sparse) and check exit status, findings, error text and wall time against
# tests/adversarial/expect.tsv. A case the table names but gen.py did not
# write fails, as does a written case the table forgot. A rejected input
# must leave the JSON error document on stdout.
. "$PCL_SRCDIR/tests/cli/lib.sh"
adv="$PCL_SRCDIR/tests/adversarial"

if ! command -v python3 >/dev/null 2>&1; then
	echo "python3 is missing (scripts/bootstrap.sh installs it)" >&2
	exit 77
fi
python3 "$adv/gen.py" "$T/cases" || { fail "gen.py failed"; finish; exit 1; }

now_ms() {
	# GNU date; %N is nanoseconds.
	echo $(($(date +%s%N) / 1000000))
}

# run_case NAME: run the tool on case NAME into $T/out, $T/err; set $rc.
run_case() {
	case $1 in
	@stdin-1g)
		truncate -s 1G "$T/stdin-1g"
		"$PCILAYOUT" show --json - <"$T/stdin-1g" >"$T/out" 2>"$T/err"
		rc=$?
		rm -f "$T/stdin-1g"
		;;
	@stdin-pipe-100m)
		# Only the tool's exit status matters; head gets SIGPIPE.
		rc=$( { head -c 100000000 /dev/zero |
			"$PCILAYOUT" show --json - >"$T/out" 2>"$T/err"
			echo $? >"$T/rc"; } ; cat "$T/rc")
		;;
	@directory)
		"$PCILAYOUT" show --json "$T" >"$T/out" 2>"$T/err"
		rc=$?
		;;
	@missing)
		"$PCILAYOUT" show --json "$T/no-such-file" >"$T/out" 2>"$T/err"
		rc=$?
		;;
	*)
		"$PCILAYOUT" show --json "$T/cases/$1" >"$T/out" 2>"$T/err"
		rc=$?
		;;
	esac
}

tab=$(printf '\t')
seen="$T/seen"
: >"$seen"
while IFS="$tab" read -r name want expect errtext max_s; do
	case $name in
	'#'* | '') continue ;;
	esac
	echo "$name" >>"$seen"
	case $name in
	@*) ;;
	*)
		if [ ! -f "$T/cases/$name" ]; then
			fail "$name: listed in expect.tsv but not generated"
			continue
		fi
		;;
	esac
	t0=$(now_ms)
	run_case "$name"
	ms=$(($(now_ms) - t0))
	what="$name"
	if [ "$rc" -ne "$want" ]; then
		fail "$what: exit $rc, expected $want"
		sed 's/^/  stderr: /' "$T/err" | head -3 >&2
	else
		ok
	fi
	# A sanitizer build may report and still exit with the expected code.
	if grep -qE 'Sanitizer|runtime error|AddressSanitizer' "$T/err"; then
		fail "$what: sanitizer report"
		head -20 "$T/err" >&2
	fi
	if [ "$ms" -gt $((max_s * 1000)) ]; then
		fail "$what: took $ms ms, limit ${max_s}s"
	else
		ok
	fi
	if [ "$errtext" != "-" ]; then
		# Under --json the message is in the error document on stdout.
		cat "$T/err" "$T/out" >"$T/msg"
		expect_grep "$T/msg" "$errtext" "$what: message"
		if [ "$want" -eq 2 ] && ! grep -q '"format": "pcilayout-error"' "$T/out"; then
			fail "$what: no JSON error document on stdout"
		fi
	fi
	if [ "$expect" != "-" ]; then
		if msg=$(python3 "$adv/check.py" "$T/out" "$expect"); then
			ok
		else
			fail "$what: $msg"
		fi
	fi
done <"$adv/expect.tsv"

# Every generated case must have an expectation.
for f in "$T/cases"/*; do
	n=${f##*/}
	grep -qxF "$n" "$seen" || fail "$n: generated but not in expect.tsv"
done
rm -rf "$T/cases"
finish
