/* The export's files without outside tools: the protobuf decoder, the ONNX
 * reader behind `ganc info` on ganc's own exports (counts by formula), the
 * .npy writer, and the safetensors export (names, int64 counters,
 * metadata); then, when PyTorch is installed, a PyTorch ResnetGenerator
 * written in tests/tools/torch_resnet.py loads the safetensors export
 * strictly and matches ganc's output. */
#include <unistd.h>

#include "core/checkpoint.h"
#include "data/protobuf.h"
#include "tests/export_support.h"
#include "tests/test.h"
#include "tools/onnx_info.h"

/* ---- protobuf decoding ---- */

TEST(export_protobuf_decoder_reads_what_the_encoder_writes) {
    pb_buf b = {0}, inner = {0};
    pb_varint_field(&inner, 1, 7);
    pb_varint_field(&b, 1, 150);
    pb_string_field(&b, 2, "testing");
    pb_float_field(&b, 3, 1.5f);
    pb_double_field(&b, 4, -2.0);
    pb_bytes_field(&b, 5, inner.data, inner.len);
    pb_varint_field(&b, 536870911, UINT64_MAX); /* the largest field number, a 10-byte varint */
    /* A packed repeated field: 3, 270, 86942 (the encoding guide's example). */
    static const uint8_t packed[] = {0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05};
    pb_bytes_field(&b, 6, packed, sizeof packed);
    REQUIRE(pb_check(&b, "test") == GANC_OK);
    pb_decoder r = pb_decoder_of(b.data, b.len);
    pb_field f;
    CHECK(pb_next(&r, &f, b.data, "t") == 1 && f.number == 1 && f.wire == PB_WIRE_VARINT && f.value == 150);
    CHECK(pb_next(&r, &f, b.data, "t") == 1 && f.number == 2 && f.len == 7 && memcmp(f.data, "testing", 7) == 0);
    CHECK(pb_next(&r, &f, b.data, "t") == 1 && f.number == 3 && f.wire == PB_WIRE_FIXED32 && f.value == 0x3fc00000u);
    CHECK(pb_next(&r, &f, b.data, "t") == 1 && f.number == 4 && f.wire == PB_WIRE_FIXED64 &&
          f.value == 0xc000000000000000ull);
    CHECK(pb_next(&r, &f, b.data, "t") == 1 && f.number == 5 && f.wire == PB_WIRE_LEN);
    pb_decoder sub = pb_decoder_of(f.data, f.len);
    pb_field g;
    CHECK(pb_next(&sub, &g, b.data, "t") == 1 && g.number == 1 && g.value == 7);
    CHECK(pb_next(&sub, &g, b.data, "t") == 0);
    CHECK(pb_next(&r, &f, b.data, "t") == 1 && f.number == 536870911 && f.value == UINT64_MAX);
    CHECK(pb_next(&r, &f, b.data, "t") == 1 && f.number == 6 && f.len == sizeof packed);
    pb_decoder values = pb_decoder_of(f.data, f.len);
    uint64_t v[3] = {0};
    CHECK(pb_read_varint(&values, &v[0]) && pb_read_varint(&values, &v[1]) && pb_read_varint(&values, &v[2]));
    CHECK(v[0] == 3 && v[1] == 270 && v[2] == 86942 && values.p == values.end);
    CHECK(pb_next(&r, &f, b.data, "t") == 0);
    pb_free(&b);
    pb_free(&inner);
}

TEST(export_protobuf_decoder_refuses_malformed_bytes) {
    static const struct {
        uint8_t bytes[12];
        size_t n;
        const char *why;
    } cases[] = {
        {{0x08, 0x96}, 2, "truncated varint"},
        {{0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, 12, "truncated varint"},
        {{0x12, 0x05, 'a', 'b'}, 4, "length past the end"},
        {{0x15, 0x00, 0x00}, 3, "truncated fixed-width"},
        {{0x0b, 0x00}, 2, "unsupported wire type"},
        {{0x00, 0x01}, 2, "bad field number"},
        {{0x80}, 1, "truncated field key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t buf[16] = {0xff, 0xff};
        memcpy(buf + 2, cases[i].bytes, cases[i].n); /* two bytes in: offsets count from `start` */
        pb_decoder r = pb_decoder_of(buf + 2, cases[i].n);
        pb_field f;
        CHECK_MSG(pb_next(&r, &f, buf, "model.onnx") == -1, "case %zu read", i);
        const char *msg = ganc_error_message();
        CHECK_MSG(strstr(msg, "model.onnx: malformed protobuf at byte 2") && strstr(msg, cases[i].why), "case %zu: %s",
                  i, msg);
    }
}

/* ---- the ONNX reader on ganc's exports ---- */

static const char RESNET_INI[] = "[G]\narch = resnet_generator\nngf = 16\nn_blocks = 3\nnorm = instance\n";

TEST(export_onnx_info_counts_nodes_and_initializers) {
    char dir[64], model[128];
    REQUIRE(export_tmpdir(dir, sizeof dir));
    network *net = support_network(RESNET_INI, "G_A", 1);
    REQUIRE(net);
    snprintf(model, sizeof model, "%s/g.onnx", dir);
    onnx_export_opts o = {.input_shape = {1, 3, 32, 32}, .config = "[G]\nngf = 16\n"};
    REQUIRE(onnx_export_network(net, &o, model) == GANC_OK);
    onnx_info info;
    REQUIRE(onnx_info_read(model, &info) == GANC_OK);
    CHECK(info.ir_version == 8 && info.opset == 17 && strcmp(info.producer, "ganc") == 0);
    CHECK(strcmp(info.graph_name, "G_A") == 0);
    CHECK(info.n_inputs == 1 && strcmp(info.inputs[0].name, "input") == 0 && info.inputs[0].elem_type == 1);
    CHECK(info.inputs[0].ndim == 4 && info.inputs[0].dims[1] == 3 && info.inputs[0].dims[3] == 32);
    CHECK(info.n_outputs == 1 && strcmp(info.outputs[0].name, "output") == 0 && info.outputs[0].dims[2] == 32);
    /* ResnetGenerator with n blocks: 1 + 2 + 2n + 1 convs, 2 transposed, a
     * norm after every conv but the last, 2 + 2n reflection pads. */
    const int n = 3;
    CHECK(onnx_info_op_count(&info, "Conv") == (size_t)(4 + 2 * n));
    CHECK(onnx_info_op_count(&info, "ConvTranspose") == 2);
    CHECK(onnx_info_op_count(&info, "InstanceNormalization") == (size_t)(5 + 2 * n));
    CHECK(onnx_info_op_count(&info, "Pad") == (size_t)(2 + 2 * n));
    CHECK(onnx_info_op_count(&info, "Relu") == (size_t)(5 + n) && onnx_info_op_count(&info, "Add") == (size_t)n);
    CHECK(onnx_info_op_count(&info, "Tanh") == 1 && onnx_info_op_count(&info, "Identity") == 1);
    /* The weights, plus shared constants: instance-norm ones and zeros for
     * 16, 32 and 64 channels, and the pads of widths 3 and 1. */
    CHECK_MSG(info.initializer_values == net->params.numel + 2 * (16 + 32 + 64) + 2 * 8, "%llu values, %zu params",
              (unsigned long long)info.initializer_values, net->params.numel);
    CHECK(info.n_initializers == net->params.count + 6 + 2);
    CHECK(strcmp(onnx_info_meta(&info, "architecture"), "ResnetGenerator") == 0);
    CHECK(strcmp(onnx_info_meta(&info, "arch"), "resnet_generator") == 0);
    CHECK(strcmp(onnx_info_meta(&info, "network"), "G_A") == 0);
    CHECK(strcmp(onnx_info_meta(&info, "config"), "[G]\nngf = 16\n") == 0);
    onnx_info_free(&info);

    /* Dynamic: symbolic batch, height and width; the output's H and W unknown. */
    o = (onnx_export_opts){.input_shape = {1, 3, 32, 32}, .dynamic = true, .opset = 21};
    REQUIRE(onnx_export_network(net, &o, model) == GANC_OK);
    REQUIRE(onnx_info_read(model, &info) == GANC_OK);
    CHECK(info.ir_version == 10 && info.opset == 21);
    CHECK(strcmp(info.inputs[0].params[0], "batch") == 0 && info.inputs[0].dims[1] == 3);
    CHECK(strcmp(info.inputs[0].params[2], "height") == 0 && strcmp(info.inputs[0].params[3], "width") == 0);
    CHECK(strcmp(info.outputs[0].params[0], "batch") == 0 && info.outputs[0].dims[1] == 3);
    CHECK(info.outputs[0].dims[2] == -1 && !info.outputs[0].params[2][0]);
    onnx_info_free(&info);
    network_free(net);
    export_rmdir(dir);
}

TEST(export_onnx_info_refuses_non_models) {
    char dir[64], path[128];
    REQUIRE(export_tmpdir(dir, sizeof dir));
    snprintf(path, sizeof path, "%s/bad.onnx", dir);
    FILE *f = fopen(path, "wb");
    REQUIRE(f);
    fwrite("\x08\x07\x3a\x40", 1, 4, f); /* ir_version 7, then a graph 64 bytes long that is not there */
    fclose(f);
    onnx_info info;
    CHECK(onnx_info_read(path, &info) == GANC_ERR_FORMAT);
    CHECK_MSG(strstr(ganc_error_message(), "bad.onnx: malformed protobuf at byte 2: length past the end"), "%s",
              ganc_error_message());
    f = fopen(path, "wb");
    REQUIRE(f);
    fwrite("\x08\x07", 1, 2, f); /* a valid message with no graph */
    fclose(f);
    CHECK(onnx_info_read(path, &info) == GANC_ERR_FORMAT);
    CHECK_MSG(strstr(ganc_error_message(), "is not an ONNX model: no default-domain opset_import"), "%s",
              ganc_error_message());
    snprintf(path, sizeof path, "%s/missing.onnx", dir);
    CHECK(onnx_info_read(path, &info) == GANC_ERR_IO);
    export_rmdir(dir);
}

/* ---- .npy ---- */

TEST(export_npy_header_is_numpy_format_1_0) {
    char dir[64], path[128];
    REQUIRE(export_tmpdir(dir, sizeof dir));
    snprintf(path, sizeof path, "%s/x.npy", dir);
    const real values[6] = {1, -2, 0.5f, 3, 4, 5};
    REQUIRE(npy_write_f32(path, 2, (int[]){2, 3}, values) == GANC_OK);
    unsigned char buf[256];
    FILE *f = fopen(path, "rb");
    REQUIRE(f);
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    size_t header = 10 + (size_t)(buf[8] | buf[9] << 8);
    CHECK(n == header + 24 && header % 64 == 0);
    CHECK(memcmp(buf, "\x93NUMPY\x01\x00", 8) == 0 && buf[header - 1] == '\n');
    CHECK(memcmp(buf + 10, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 59) == 0);
    float second;
    memcpy(&second, buf + header + 4, 4); /* little-endian hosts only, as ganc's build */
    CHECK(second == -2.0f);
    CHECK(npy_write_f32(path, 0, NULL, values) == GANC_ERR_ARG);
    snprintf(path, sizeof path, "%s/no/such/dir.npy", dir);
    CHECK(npy_write_f32(path, 1, (int[]){6}, values) == GANC_ERR_IO);
    export_rmdir(dir);
}

/* ---- safetensors export ---- */

TEST(export_safetensors_uses_pytorch_names_and_int64_counters) {
    char dir[64], path[128];
    REQUIRE(export_tmpdir(dir, sizeof dir));
    network *net = support_network("[G]\narch = patchgan\nndf = 8\nn_layers = 2\nnorm = batch\nspectral_norm = true\n",
                                   "D_A", 1);
    REQUIRE(net && export_randomise(net, 2) == GANC_OK);
    snprintf(path, sizeof path, "%s/d.safetensors", dir);
    REQUIRE(safetensors_export_network(net, "[D]\nndf = 8\n", path) == GANC_OK);
    checkpoint *ck;
    REQUIRE(checkpoint_read(path, 0, &ck) == GANC_OK);
    CHECK(checkpoint_count(ck) == net->params.count + net->buffers.count);
    const checkpoint_tensor *w = checkpoint_find(ck, "model.0.weight_orig");
    CHECK(w && w->dtype == SAFETENSORS_F32 && w->ndim == 4 && w->shape[0] == 8 && w->shape[1] == 3);
    CHECK(w && w->data[5] == support_param(net, "model.0.weight_orig")->data[5]);
    CHECK(checkpoint_find(ck, "model.0.weight_u") && checkpoint_find(ck, "model.0.weight_v"));
    CHECK(checkpoint_find(ck, "model.3.running_var") && !checkpoint_find(ck, "D_A.model.3.running_var"));
    const checkpoint_tensor *count = checkpoint_find(ck, "model.3.num_batches_tracked");
    CHECK(count && count->dtype == SAFETENSORS_I64 && count->ndim == 0 && count->data[0] == 7);
    CHECK(strcmp(checkpoint_meta(ck, "architecture"), "NLayerDiscriminator") == 0);
    CHECK(strcmp(checkpoint_meta(ck, "arch"), "patchgan") == 0 && strcmp(checkpoint_meta(ck, "network"), "D_A") == 0);
    CHECK(strcmp(checkpoint_meta(ck, "config"), "[D]\nndf = 8\n") == 0);
    CHECK(strcmp(checkpoint_meta(ck, "format"), "pt") == 0);
    checkpoint_free(ck);
    network_free(net);
    export_rmdir(dir);
}

/* PyTorch's own ResnetGenerator, under both norms (batch norm brings its
 * int64 num_batches_tracked), takes the export with strict=True. */
TEST(export_safetensors_loads_into_pytorch_resnet) {
    if (!export_have_python("torch, safetensors, numpy"))
        SKIP("python3 with torch, safetensors and numpy is not installed (pip install torch safetensors numpy)");
    char dir[64], path[128], cmd[700];
    REQUIRE(export_tmpdir(dir, sizeof dir));
    const char *norms[] = {"instance", "batch"};
    for (int i = 0; i < 2; i++) {
        char ini[160];
        snprintf(ini, sizeof ini, "[G]\narch = resnet_generator\nngf = 8\nn_blocks = 2\nnorm = %s\n", norms[i]);
        network *net = support_network(ini, "G_A", 4);
        REQUIRE(net && export_randomise(net, 6) == GANC_OK);
        REQUIRE(export_reference(net, (int[]){2, 3, 24, 28}, 8, dir, norms[i]) == GANC_OK);
        snprintf(path, sizeof path, "%s/%s.safetensors", dir, norms[i]);
        REQUIRE(safetensors_export_network(net, NULL, path) == GANC_OK);
        snprintf(cmd, sizeof cmd,
                 "python3 tests/tools/torch_resnet.py '%s' '%s/%s.input.npy' '%s/%s.output.npy' --ngf 8 --n-blocks 2 "
                 "--norm %s 2>&1",
                 path, dir, norms[i], dir, norms[i], norms[i]);
        CHECK_MSG(export_run(cmd), "PyTorch disagrees with ganc under %s norm (see above)", norms[i]);
        network_free(net);
    }
    export_rmdir(dir);
}
