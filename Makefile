# iopath: the one non-recursive Makefile. Each area appends to SRCS/UT_SRCS in its own module.mk.
BUILD   ?= build
CC      ?= cc
CFLAGS  ?= -O2 -g
WERROR  ?= -Werror
SAN     ?=
WARN    := -std=gnu11 -Wall -Wextra $(WERROR) -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
           -Wold-style-definition -Wno-unused-parameter -Wno-missing-field-initializers
override CFLAGS += $(WARN) -D_GNU_SOURCE -Iinclude -I. -MMD -MP -pthread \
                   $(if $(SAN),-fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all)
override LDFLAGS += -pthread $(if $(SAN),-fsanitize=$(SAN))

.DEFAULT_GOAL := all
include mk/quiet.mk
include mk/config.mk

# Areas append here. SRCS: objects linked into the iopath binary and every unit test.
SRCS    :=
MAIN_SRC := harness/main.c
UT_SRCS :=
LIBS    :=
include $(sort $(wildcard */module.mk */*/module.mk */*/*/module.mk */*/*/*/module.mk))

OBJS     := $(SRCS:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(MAIN_SRC:%.c=$(BUILD)/%.o)
UT_BINS  := $(UT_SRCS:%.c=$(BUILD)/%)
IOPATH   := $(BUILD)/iopath

all: $(IOPATH) $(UT_BINS)

$(IOPATH): $(MAIN_OBJ) $(OBJS)
	$(QUIET_LD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(QUIET_CC)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(BUILD)/tests/common/ut.o $(OBJS)
	$(QUIET_LD)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) -lcunit

include mk/targets.mk

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
.PHONY: all clean
.SECONDARY:
