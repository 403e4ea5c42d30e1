# plots/ (issue 7): `iopath plot` (harness/plot*.c, harness/report.c), `make plots`, `make gate`.
SRCS += harness/plot_load.c harness/plot.c harness/report.c harness/cmd_plot.c

# make plots: plots + report.html of results/latest (RUNS="results/a results/b" to compare),
# with the conformance table from a fresh `make conformance` run.
RUNS ?= results/latest
plots: all
	@d=$$(mktemp -d); CONFORM_REPORTS=$$d BUILD=$(BUILD) IOPATH=$(IOPATH) \
		conformance/run_conformance.sh >$$d/conformance.log 2>&1 || \
		echo "make plots: conformance reported failures (see the report's table)"; \
	$(IOPATH) plot --out plots --conform $$d $(RUNS); rc=$$?; rm -rf $$d; exit $$rc
.PHONY: plots

# make gate: the regression gate (plots/gate.sh, docs/report.md): workloads/gate.matrix against
# results/baselines/gate.json; exit 1 with a table when a metric is out of tolerance.
# make gate-update: measure here and rewrite the baseline (commit it).
gate: all
	@IOPATH=$(IOPATH) plots/gate.sh
gate-update: all
	@IOPATH=$(IOPATH) plots/gate.sh --update
.PHONY: gate gate-update
