/* libFuzzer harness: ONNX models as `ganc info` reads them
 * (onnx_info_parse, which onnx_info_read calls), then printed as `ganc
 * info` prints them, to /dev/null. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tools/onnx_info.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w"))) abort();
    onnx_info info;
    if (onnx_info_parse("fuzz.onnx", data, size, &info) != GANC_OK) return 0;
    if (info.n_ops > ONNX_INFO_MAX_OPS || info.n_meta > ONNX_INFO_MAX_META) abort();
    onnx_info_print(&info, sink, true);
    (void)onnx_info_op_count(&info, "Conv");
    (void)onnx_info_meta(&info, "config");
    onnx_info_free(&info);
    return 0;
}
