# Reliability: harness/soak.c (iopath run --soak) and `make test-san` (unit, integration and
# conformance tests on the clang ASan/UBSan build).
SAN_BUILD ?= build-san

test-san:
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) SAN=address,undefined CC=clang all
	@BUILD=$(SAN_BUILD) tests/run_tests.sh unit integration conformance

.PHONY: test-san
SRCS += harness/soak.c
