# Reliability: harness/soak.c (iopath run --soak) and `make test-san` (unit, integration and
# conformance tests on the clang ASan/UBSan build).
SAN_BUILD ?= build-san

test-san:
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) SAN=address,undefined CC=clang all
	@BUILD=$(SAN_BUILD) TIMEOUT_SCALE=$${TIMEOUT_SCALE:-3} tests/run_tests.sh unit integration conformance

.PHONY: test-san
SRCS += harness/soak.c

# test tools (tests/tools/*.c): small standalone programs the reliability tests drive
TOOLS := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(wildcard tests/tools/*.c))
all: $(TOOLS)
$(BUILD)/tests/tools/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<
