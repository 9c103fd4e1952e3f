# SPDX-License-Identifier: BSD-3-Clause
# lib.sh - sourced by the CLI test scripts: assertions that say what failed.
set -u
fails=0
checks=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

ok() {
	checks=$((checks + 1))
}

# expect_exit CODE DESCRIPTION -- CMD...: run CMD, check its exit code.
expect_exit() {
	want=$1
	what=$2
	shift 3
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$what: exit $got, expected $want"
		sed 's/^/  stderr: /' "$T/err" | head -5 >&2
	else
		ok
	fi
}

# expect_grep FILE PATTERN DESCRIPTION: FILE must contain PATTERN (fixed).
expect_grep() {
	if grep -qF -- "$2" "$1"; then
		ok
	else
		fail "$3: '$2' not in output"
		sed 's/^/  got: /' "$1" | head -5 >&2
	fi
}

# find_python: set $py to the first python3 that has jsonschema, or return
# 1. A python3 earlier in PATH (pyenv, a venv) may lack the module that
# Debian's python3-jsonschema gives /usr/bin/python3, which
# scripts/bootstrap.sh installs.
find_python() {
	py=
	for cand in python3 /usr/bin/python3; do
		if command -v "$cand" >/dev/null 2>&1 &&
		   "$cand" -c 'import jsonschema' 2>/dev/null; then
			py=$cand
			return 0
		fi
	done
	return 1
}

finish() {
	echo "$checks passed, $fails failed"
	[ "$fails" -eq 0 ]
}

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
