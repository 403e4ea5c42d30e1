# lib/: cross-cutting helpers (logging, options, URIs, registries).
SRCS += lib/log.c lib/util.c lib/option.c lib/uri.c lib/registry.c
