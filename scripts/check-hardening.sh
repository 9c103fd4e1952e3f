#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# check-hardening.sh [BUILD]: the hardening passes `make check` (and so CI)
# runs after the normal test suite. BUILD (default build/) is the normal
# build; the sanitizer and fuzzing builds go under it.
#   1. ASan + UBSan build, the whole meson test suite under it;
#   2. the unit tests once under valgrind memcheck, leaks are errors;
#   3. each libFuzzer target for $FUZZ_SECONDS (default 20) when clang's
#      libFuzzer is installed, else reported as NOT RUN (never as passed);
#   4. a ThreadSanitizer build of the threads test (one context shared by
#      threads: names, loads, walks, maps, plans, engines) and of the tool,
#      whose unify and survey read hosts in threads; a race fails.
# Exits non-zero if any pass fails. Installs nothing: scripts/bootstrap.sh
# provides clang, valgrind and the libFuzzer runtime.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
secs=${FUZZ_SECONDS:-20}
jobs=${HARDENING_JOBS:-2}
summary=""
failed=0

note() {
	summary="$summary
  $1"
}

step() {
	echo
	echo "== check-hardening: $* ($(date +%T))"
}

# Sanitizer builds must not inherit a developer's $CFLAGS.
unset CFLAGS LDFLAGS

# 1. AddressSanitizer + UndefinedBehaviorSanitizer, every suite.
step "ASan+UBSan build and full test suite"
t0=$(date +%s)
asan="$build/asan"
[ -f "$asan/build.ninja" ] ||
	meson setup "$asan" -Db_sanitize=address,undefined -Db_lundef=false \
		-Dwerror=true -Dbuildtype=debugoptimized >/dev/null
# verify_asan_link_order=0: tests/cli/install.sh runs a program built with
# plain cc against the installed (instrumented) library, so the runtime
# arrives as the library's dependency instead of first; it still works.
if ninja -C "$asan" >"$build/asan.log" 2>&1 &&
   ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:verify_asan_link_order=0 \
   UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C "$asan" --print-errorlogs --num-processes "$jobs" \
		--timeout-multiplier 3; then
	note "asan+ubsan: PASS (whole suite, $(($(date +%s) - t0)) s)"
else
	tail -20 "$build/asan.log"
	note "asan+ubsan: FAIL"
	failed=1
fi

# 2. valgrind memcheck over the unit tests of the normal build.
step "valgrind memcheck over the unit tests"
t0=$(date +%s)
if ! command -v valgrind >/dev/null 2>&1; then
	note "valgrind: NOT RUN (valgrind missing; run scripts/bootstrap.sh)"
	failed=1
elif ! meson test -C "$build" --list --suite unit 2>/dev/null |
     grep -q .; then
	note "valgrind: NOT RUN (no unit tests in $build yet)"
elif meson test -C "$build" --suite unit --print-errorlogs \
	--num-processes "$jobs" --timeout-multiplier 10 \
	--wrap="valgrind --quiet --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible --track-origins=yes"; then
	note "valgrind: PASS (unit suite, $(($(date +%s) - t0)) s)"
else
	note "valgrind: FAIL"
	failed=1
fi

# 3. A short run of each fuzz target, when libFuzzer can be linked.
step "libFuzzer targets, ${secs}s each"
t0=$(date +%s)
fcc=$(sh fuzz/clang.sh || true)
if [ -z "$fcc" ]; then
	note "fuzz: NOT RUN (clang or its libFuzzer runtime is missing)"
else
	fz="$build/fuzz"
	sh fuzz/setup.sh "$fz" "$fcc"
	if ! ninja -C "$fz" >"$build/fuzz.log" 2>&1; then
		tail -20 "$build/fuzz.log"
		note "fuzz: FAIL ($fcc build)"
		failed=1
	elif sh fuzz/run.sh "$fz" "$secs" "$fz/corpus" >"$build/fuzz-run.txt"; then
		cat "$build/fuzz-run.txt"
		known=$(grep -c 'KNOWN BUG' "$build/fuzz-run.txt" || true)
		[ "$known" = 0 ] && known=
		note "fuzz: PASS ($fcc, ${secs}s per target, $(($(date +%s) - t0)) s${known:+; $known stopped at a known open bug of fuzz/pending/known})"
	else
		cat "$build/fuzz-run.txt"
		note "fuzz: FAIL (see above; inputs in $fz/fuzz-artifacts)"
		failed=1
	fi
fi

# 4. ThreadSanitizer over the threads test and over the tool's unify and
# survey, which read hosts in several threads (fleet-threads). Only those
# programs and what they link are built: the rest is single-threaded.
step "ThreadSanitizer build and the threads test"
t0=$(date +%s)
tsan="$build/tsan"
tsan_log="$tsan/meson-logs/testlog.json"
[ -f "$tsan/build.ninja" ] ||
	meson setup "$tsan" -Db_sanitize=thread -Db_lundef=false \
		-Dwerror=true -Dbuildtype=debugoptimized >/dev/null
rm -f "$tsan_log"
if ninja -C "$tsan" tests/unit/test_threads tools/pcilayout >"$build/tsan.log" 2>&1 &&
   TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	meson test -C "$tsan" --no-rebuild --print-errorlogs \
		--timeout-multiplier 5 threads fleet-threads &&
   [ "$(grep -c '"result": "OK"' "$tsan_log")" -eq 2 ]; then
	note "tsan: PASS (threads test, unify and survey's readers; $(($(date +%s) - t0)) s)"
else
	tail -20 "$build/tsan.log"
	note "tsan: FAIL (a race, a failed test, a skip or a build error)"
	failed=1
fi

echo
echo "== check-hardening summary:$summary"
exit $failed
