# tests/fuzz: libFuzzer targets (clang -fsanitize=fuzzer,address,undefined), built into build-fuzz.
# `make fuzz` builds every tests/fuzz/fuzz_*.c against all module objects and runs each for
# FUZZ_TIME seconds (default 60) from its seed corpus tests/fuzz/corpus/<name>/.
FUZZ_TIME  ?= 60
FUZZ_BUILD ?= build-fuzz
FUZZ_NAMES := $(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link

fuzz-build:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang SAN=address,undefined \
		CFLAGS="$(FUZZ_FLAGS)" $(FUZZ_BUILD)/iopath
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang SAN=address,undefined \
		CFLAGS="$(FUZZ_FLAGS)" fuzz-bins

fuzz-bins: $(FUZZ_NAMES:%=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/iopath
	@mkdir -p $(@D)
	$(QUIET_LD)$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< tests/fuzz/session.c $(filter-out $(BUILD)/harness/main.o,$(SRCS:%.c=$(BUILD)/%.o)) $(LIBS)

fuzz: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_TIME=$(FUZZ_TIME) tests/fuzz/run.sh $(FUZZ_NAMES)

.PHONY: fuzz fuzz-build fuzz-bins
