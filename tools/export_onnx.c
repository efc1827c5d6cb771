/* A network as an ONNX ModelProto: the network runs once on the input
 * shape (which checks the shape and gives the output's), its module tree
 * becomes the graph (layers/onnx.h), and the model is written around the
 * graph's bytes without copying them. Field numbers from onnx.proto3. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/protobuf.h"
#include "layers/module.h"
#include "layers/onnx.h"
#include "tools/export.h"

enum { MODEL_IR_VERSION = 1, MODEL_PRODUCER_NAME = 2, MODEL_PRODUCER_VERSION = 3, MODEL_GRAPH = 7,
       MODEL_OPSET_IMPORT = 8, MODEL_METADATA = 14 };
enum { GRAPH_NAME = 2, GRAPH_INPUT = 11, GRAPH_OUTPUT = 12 };
enum { VALUE_NAME = 1, VALUE_TYPE = 2, TYPE_TENSOR = 1, TENSOR_ELEM_TYPE = 1, TENSOR_SHAPE = 2, SHAPE_DIM = 1,
       DIM_VALUE = 1, DIM_PARAM = 2 };
enum { OPSET_VERSION = 2, ENTRY_KEY = 1, ENTRY_VALUE = 2 };
enum { ELEM_FLOAT = 1 };

#define PRODUCER_VERSION "1"

/* The IR version that came with each opset (onnx/docs/Versioning.md). */
static int ir_version_for(int opset) {
    if (opset <= 14) return 7;
    if (opset <= 18) return 8;
    if (opset <= 20) return 9;
    return 10;
}

/* One dimension of a declared shape: a value, a symbolic name, or unknown (value < 0, no name). */
typedef struct {
    int64_t value;
    const char *param;
} dim;

/* ValueInfoProto{name, TypeProto{tensor_type{elem_type float, shape}}}. */
static void put_value_info(pb_buf *out, int field, const char *name, int ndim, const dim *dims) {
    pb_buf shape = {0}, tensor_type = {0}, type = {0}, info = {0}, one = {0};
    for (int d = 0; d < ndim; d++) {
        pb_reset(&one);
        if (dims[d].param) pb_string_field(&one, DIM_PARAM, dims[d].param);
        else if (dims[d].value >= 0) pb_varint_field(&one, DIM_VALUE, (uint64_t)dims[d].value);
        pb_bytes_field(&shape, SHAPE_DIM, one.data, one.len);
    }
    pb_varint_field(&tensor_type, TENSOR_ELEM_TYPE, ELEM_FLOAT);
    pb_bytes_field(&tensor_type, TENSOR_SHAPE, shape.data, shape.len);
    pb_bytes_field(&type, TYPE_TENSOR, tensor_type.data, tensor_type.len);
    pb_string_field(&info, VALUE_NAME, name);
    pb_bytes_field(&info, VALUE_TYPE, type.data, type.len);
    out->failed |= shape.failed || tensor_type.failed || type.failed || info.failed || one.failed;
    pb_bytes_field(out, field, info.data, info.len);
    pb_free(&shape), pb_free(&tensor_type), pb_free(&type), pb_free(&info), pb_free(&one);
}

static void put_metadata(pb_buf *out, const char *key, const char *value) {
    pb_buf entry = {0};
    pb_string_field(&entry, ENTRY_KEY, key);
    pb_string_field(&entry, ENTRY_VALUE, value);
    out->failed |= entry.failed;
    pb_bytes_field(out, MODEL_METADATA, entry.data, entry.len);
    pb_free(&entry);
}

typedef struct {
    int ndim;
    int shape[TENSOR_MAX_DIM];
} shape_of;

static int input_ndim(const onnx_export_opts *o) { return o->input_ndim ? o->input_ndim : 4; }

/* Graph inputs and outputs (the fields after the body). In a dynamic
 * export N, H and W of the input are symbolic; the main output keeps its
 * channels, its N is "batch" and its H, W are left to the runtime. */
static void put_graph_io(pb_buf *tail, const onnx_graph *g, const onnx_export_opts *o, shape_of out) {
    int ndim = input_ndim(o);
    bool fixed_hw = onnx_input_size_fixed(g) || ndim < 4;
    dim in[4];
    for (int d = 0; d < ndim; d++) in[d] = (dim){o->input_shape[d], NULL};
    if (o->dynamic) {
        in[0].param = "batch";
        if (!fixed_hw) in[2].param = "height", in[3].param = "width";
    }
    put_value_info(tail, GRAPH_INPUT, "input", ndim, in);
    dim main[TENSOR_MAX_DIM];
    for (int d = 0; d < out.ndim; d++) {
        main[d] = (dim){out.shape[d], NULL};
        if (o->dynamic && d == 0) main[d].param = "batch";
        else if (o->dynamic && d >= 2 && !fixed_hw) main[d].value = -1;
    }
    /* The main output was added last, after any extra outputs its modules declared; it is listed first. */
    int n = onnx_output_count(g);
    put_value_info(tail, GRAPH_OUTPUT, onnx_output_at(g, n - 1).name, out.ndim, main);
    const dim unknown[TENSOR_MAX_DIM] = {{-1, NULL}, {-1, NULL}, {-1, NULL}, {-1, NULL}};
    for (int i = 0; i < n - 1; i++) {
        onnx_output extra = onnx_output_at(g, i);
        put_value_info(tail, GRAPH_OUTPUT, extra.name, extra.ndim, unknown);
    }
}

/* Writes the parts to path.tmp, then renames it over path. */
static ganc_status write_parts(const char *path, const void *const *parts, const size_t *lens, int n) {
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= sizeof tmp)
        return GANC_ERR(GANC_ERR_ARG, "ONNX export: path too long: %s", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) return GANC_ERR(GANC_ERR_IO, "ONNX export: cannot create %s: %s", tmp, strerror(errno));
    bool ok = true;
    for (int i = 0; i < n && ok; i++) ok = fwrite(parts[i], 1, lens[i], f) == lens[i];
    int err = ok ? 0 : errno;
    if (fclose(f) && ok) ok = false, err = errno;
    if (ok && rename(tmp, path) == 0) return GANC_OK;
    if (ok) err = errno;
    unlink(tmp);
    return GANC_ERR(GANC_ERR_IO, "ONNX export: writing %s failed: %s", path, strerror(err));
}

static ganc_status write_model(const onnx_graph *g, const network *net, const onnx_export_opts *o, int opset,
                               shape_of out, const char *path) {
    pb_buf head = {0}, graph_head = {0}, graph_tail = {0}, tail = {0}, opset_id = {0};
    size_t body_len;
    const void *body = onnx_graph_body(g, &body_len);
    pb_varint_field(&head, MODEL_IR_VERSION, (uint64_t)ir_version_for(opset));
    pb_string_field(&head, MODEL_PRODUCER_NAME, "ganc");
    pb_string_field(&head, MODEL_PRODUCER_VERSION, PRODUCER_VERSION);
    pb_string_field(&graph_head, GRAPH_NAME, net->name);
    put_graph_io(&graph_tail, g, o, out);
    /* The graph field's key and length, then its three parts as they are. */
    uint8_t key_len[2 * PB_VARINT_MAX];
    size_t n_key = pb_varint_encode((uint64_t)MODEL_GRAPH << 3 | PB_WIRE_LEN, key_len);
    n_key += pb_varint_encode(graph_head.len + body_len + graph_tail.len, key_len + n_key);
    pb_varint_field(&opset_id, OPSET_VERSION, (uint64_t)opset); /* the default domain: "" */
    pb_bytes_field(&tail, MODEL_OPSET_IMPORT, opset_id.data, opset_id.len);
    put_metadata(&tail, "architecture", net->root->type->name);
    put_metadata(&tail, "arch", net->arch);
    put_metadata(&tail, "network", net->name);
    if (o->config) put_metadata(&tail, "config", o->config);
    ganc_status st = GANC_OK;
    const pb_buf *bufs[] = {&head, &graph_head, &graph_tail, &tail, &opset_id};
    for (int i = 0; i < 5 && !st; i++) st = pb_check(bufs[i], "ONNX export");
    if (!st) {
        const void *parts[] = {head.data, key_len, graph_head.data, body, graph_tail.data, tail.data};
        size_t lens[] = {head.len, n_key, graph_head.len, body_len, graph_tail.len, tail.len};
        st = write_parts(path, parts, lens, 6);
    }
    pb_free(&head), pb_free(&graph_head), pb_free(&graph_tail), pb_free(&tail), pb_free(&opset_id);
    return st;
}

/* Runs net on zeros of the input shape: the network's own check of the
 * shape, with its own message, and the output's shape. */
static ganc_status trial_run(network *net, tape *t, int ndim, const int input_shape[4], shape_of *out) {
    tensor *x = tape_zeros(t, ndim, input_shape, "input");
    tensor *y = x ? network_forward(net, t, x) : NULL;
    if (!y) {
        char msg[768], sx[48];
        snprintf(msg, sizeof msg, "%s", ganc_error_message());
        return GANC_ERR(ganc_error_status() ? ganc_error_status() : GANC_ERR_ARG,
                        "ONNX export of %s: the network does not run on input %s: %s", net->name,
                        shape_str(ndim, input_shape, sx, sizeof sx), msg);
    }
    out->ndim = y->ndim;
    memcpy(out->shape, y->shape, sizeof out->shape);
    return GANC_OK;
}

ganc_status onnx_export_network(network *net, const onnx_export_opts *o, const char *path) {
    int opset = o->opset ? o->opset : ONNX_OPSET_DEFAULT;
    if (opset < ONNX_OPSET_MIN || opset > ONNX_OPSET_MAX)
        return GANC_ERR(GANC_ERR_ARG, "ONNX export: opset %d is not supported; ganc writes opsets %d to %d", opset,
                        ONNX_OPSET_MIN, ONNX_OPSET_MAX);
    if (!net->root) return GANC_ERR(GANC_ERR_STATE, "ONNX export: network %s has no modules", net->name);
    int ndim = input_ndim(o);
    if (ndim != 2 && ndim != 4)
        return GANC_ERR(GANC_ERR_ARG, "ONNX export: an input of %d dimensions; expected 4 (N,C,H,W) or 2 (N,F)", ndim);
    ganc_status st = shape_check("ONNX export: input shape", ndim, o->input_shape);
    if (st) return st;
    tape *t = tape_new(device_cpu());
    if (!t) return ganc_error_status();
    bool was_training = net->training;
    network_set_training(net, false);
    tape_no_grad_begin(t);
    shape_of out;
    st = trial_run(net, t, ndim, o->input_shape, &out);
    module_run run = {.t = t, .training = false, .rng = &net->rng};
    onnx_graph *g = st ? NULL : onnx_graph_new(net, opset, &run);
    if (!st && !g) st = ganc_error_status();
    if (!st) {
        const char *y = onnx_module(g, net->root, "input");
        st = y ? onnx_add_output(g, y, "output", out.ndim) : ganc_error_status();
    }
    if (!st) st = write_model(g, net, o, opset, out, path);
    onnx_graph_free(g);
    tape_no_grad_end(t);
    tape_free(t);
    network_set_training(net, was_training);
    return st;
}
