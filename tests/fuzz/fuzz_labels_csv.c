/* libFuzzer harness: the labelled dataset's labels CSV (labels_csv_parse,
 * which labels_csv_load calls), with every column and with a selection
 * that uses the prefix form, as `[data] label_columns` can. */

#include <stdint.h>
#include <stdlib.h>

#include "data/labels_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const selections[] = {NULL, "a_*", "index, a_*"};
    for (int i = 0; i < 3; i++) {
        labels_csv l;
        if (labels_csv_parse("fuzz.csv", (const char *)data, size, selections[i], &l) != GANC_OK) continue;
        if (l.n_rows < 1 || l.n_labels < 1) abort();
        double sum = 0;
        for (long r = 0; r < l.n_rows; r++) {
            if (!l.files[r][0] || l.lines[r] < 2) abort();
            for (int k = 0; k < l.n_labels; k++) sum += (double)l.values[r * l.n_labels + k];
        }
        for (int k = 0; k < l.n_labels; k++)
            if (!l.names[k]) abort();
        if (sum != sum) abort(); /* only finite numbers are accepted */
        labels_csv_free(&l);
    }
    return 0;
}
