/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer: benchmark matrix file parser and cell expansion (harness/matrix.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "harness/matrix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iop_matrix m;
	struct iop_matrix_cell *cells = NULL;
	char err[256], *text = malloc(size + 1);
	int n;

	if (!text) {
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&m, 0, sizeof(m));
	if (!iop_matrix_parse(text, "fuzz.matrix", &m, err, sizeof(err))) {
		n = iop_matrix_expand(&m, &cells);
		for (int i = 0; i < n; i++) {
			iop_matrix_cell_get(&cells[i], "bs");
		}
		free(cells);
		iop_matrix_free(&m);
	}
	free(text);
	return 0;
}
