# tests/: every tests/unit/**/*_ut.c is one CUnit binary linked with all module objects.
UT_SRCS += $(shell find tests/unit -name '*_ut.c' 2>/dev/null | sort)
