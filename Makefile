# SPDX-License-Identifier: BSD-3-Clause
# Convenience wrapper around meson. The two commands a new user needs:
#   make demo    install missing dependencies, build, run on shipped examples
#   make check   install missing dependencies, build, run every test
# Plain `make` only builds (into build/; the tool is build/tools/pcilayout).

BUILD       ?= build
MESON_OPTS  ?= -Dwerror=true
NINJA       ?= ninja

.PHONY: all deps check demo install clean distclean bench

all: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

deps:
	sh scripts/bootstrap.sh

check: deps
	$(MAKE) all
	meson test -C $(BUILD) --print-errorlogs --num-processes 2

demo: deps
	$(MAKE) all
	sh scripts/demo.sh $(BUILD)/tools/pcilayout

# make bench: the three benchmarks of issue 11 (BENCHMARKS.md); a full run
# takes several minutes. Benchmarks want an optimized build: configure
# $(BUILD) with -Dbuildtype=release for figures worth comparing.
bench: all
	sh bench/run.sh $(BUILD)

install: all
	meson install -C $(BUILD)

clean:
	-$(NINJA) -C $(BUILD) clean

distclean:
	rm -rf $(BUILD)
