# SPDX-License-Identifier: BSD-3-Clause
# Convenience wrapper around meson. The two commands a new user needs:
#   make demo    install missing dependencies, build, run on shipped examples
#   make check   install missing dependencies, build, run every test
# Plain `make` only builds (into build/; the tool is build/tools/pcilayout).

BUILD       ?= build
MESON_OPTS  ?= -Dwerror=true
NINJA       ?= ninja

.PHONY: all deps check demo install clean distclean fuzz lint bench proof rust-bindings abi-baseline

all: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

deps:
	sh scripts/bootstrap.sh

check: deps
	$(MAKE) all
	meson test -C $(BUILD) --print-errorlogs --num-processes 2
	sh scripts/check-hardening.sh $(BUILD)
	python3 scripts/test-summary.py $(BUILD)

# The demo builds only the tool (and the library it links), not the tests,
# fuzzers and benchmarks.
demo: deps $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD) tools/pcilayout
	sh scripts/demo.sh $(BUILD)/tools/pcilayout

# make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="dump walk"]: run each libFuzzer
# target (clang build in $(BUILD)/fuzz, fuzz/setup.sh: the newest clang whose
# libFuzzer links, fuzz/clang.sh); new inputs go to fuzz/corpus-local/,
# crashers are copied into tests/regressions/ as regression tests.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps
	sh fuzz/setup.sh $(BUILD)/fuzz
	$(NINJA) -C $(BUILD)/fuzz
	sh fuzz/run.sh -c $(BUILD)/fuzz $(FUZZ_SECONDS) fuzz/corpus-local $(FUZZ_TARGETS)

# clang-tidy (.clang-tidy) and cppcheck over lib/ tools/ fuzz/: zero warnings.
lint: all
	sh scripts/lint.sh $(BUILD)

# make proof: Frama-C's Eva proves the engine's guest-access path free of
# runtime errors (proof/run.sh, docs/testing.md; the log and report go to
# $(BUILD)/proof), then shows the gate rejects a library with a bug put in.
# make check runs both as the 'proof' test suite.
proof: deps
	sh proof/run.sh -o $(BUILD)/proof
	sh proof/run.sh --self-test

# make bench: the three benchmarks of issue 11 (BENCHMARKS.md); a full run
# takes several minutes. Benchmarks want an optimized build: configure
# $(BUILD) with -Dbuildtype=release for figures worth comparing.
bench: all
	sh bench/run.sh $(BUILD)

# Regenerate the Rust FFI declarations (rust/pcilayout-sys/src/bindings.rs)
# after changing a public header; commit them with the header change
# (make check fails while they differ).
rust-bindings:
	sh scripts/rust-bindings.sh

# Rewrite the ABI baseline (lib/libpcilayout.abi) from $(BUILD), for an
# intended ABI change or a release: docs/abi.md. Commit it with the change.
abi-baseline: all
	sh scripts/abi-check.sh --update $(BUILD)

install: all
	meson install -C $(BUILD)

clean:
	-$(NINJA) -C $(BUILD) clean

distclean:
	rm -rf $(BUILD)
