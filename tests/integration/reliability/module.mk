# Reliability: `make test-san` runs unit, integration and conformance tests on the sanitizer build.
SAN_BUILD ?= build-san

test-san:
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) SAN=address,undefined CC=clang all
	@BUILD=$(SAN_BUILD) tests/run_tests.sh unit integration conformance

.PHONY: test-san
