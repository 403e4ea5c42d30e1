# Top-level workflow targets: deps, test, bench, conformance, plots, gate, san, clean.
DEPS_STAMP := $(BUILD)/.deps-ok

deps:
	@mk/deps.sh install

# Cheap check on every test/bench: install only when something is missing.
$(DEPS_STAMP): mk/deps.sh mk/packages.txt
	@mk/deps.sh install
	@mkdir -p $(BUILD) && touch $@

test: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/run_tests.sh

check: all
	@BUILD=$(BUILD) tests/run_tests.sh unit

itest: all
	@BUILD=$(BUILD) tests/run_tests.sh integration

san:
	@$(MAKE) --no-print-directory BUILD=build-san SAN=address,undefined CC=clang all
	@BUILD=build-san tests/run_tests.sh unit integration

bench: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory all
	@$(IOPATH) bench $(if $(QUICK),--quick) --results results --plots plots

clean:
	rm -rf $(BUILD) build-san

.PHONY: deps test check itest san bench
