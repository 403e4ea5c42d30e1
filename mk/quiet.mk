# Quiet build output; V=1 shows full commands.
ifeq ($(V),1)
QUIET_CC :=
QUIET_LD :=
else
QUIET_CC = @echo "  CC      $@";
QUIET_LD = @echo "  LD      $@";
endif
