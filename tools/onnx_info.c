#include "tools/onnx_info.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/file_open.h"
#include "data/protobuf.h"

/* onnx.proto3 field numbers of the parts read. */
enum { MODEL_IR_VERSION = 1, MODEL_PRODUCER = 2, MODEL_PRODUCER_VERSION = 3, MODEL_GRAPH = 7, MODEL_OPSET = 8,
       MODEL_METADATA = 14 };
enum { GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5, GRAPH_INPUT = 11, GRAPH_OUTPUT = 12 };
enum { NODE_OP_TYPE = 4, TENSOR_DIMS = 1 };
enum { VALUE_NAME = 1, VALUE_TYPE = 2, TYPE_TENSOR = 1, TENSOR_ELEM_TYPE = 1, TENSOR_SHAPE = 2, SHAPE_DIM = 1,
       DIM_VALUE = 1, DIM_PARAM = 2 };
enum { OPSET_DOMAIN = 1, OPSET_VERSION = 2, ENTRY_KEY = 1, ENTRY_VALUE = 2 };

typedef struct {
    const uint8_t *start; /* the file's bytes, for offsets in errors */
    const char *path;
} ctx;

static ganc_status wrong_wire(const ctx *c, const pb_field *f, const char *what) {
    return GANC_ERR(GANC_ERR_FORMAT, "ONNX file %s: %s (field %d) has wire type %d at byte %zu", c->path, what,
                    f->number, f->wire, (size_t)((f->data ? f->data : (const uint8_t *)c->start) - c->start));
}

static void copy_text(char *dst, size_t size, const pb_field *f) {
    size_t n = f->len < size - 1 ? f->len : size - 1;
    memcpy(dst, f->data, n);
    dst[n] = '\0';
}

/* Walks the fields of message [data, data+len): fn(field) for each; stops at the first error. */
typedef ganc_status (*field_fn)(const ctx *c, const pb_field *f, void *out);

static ganc_status walk(const ctx *c, const uint8_t *data, size_t len, field_fn fn, void *out) {
    pb_decoder r = pb_decoder_of(data, len);
    pb_field f;
    int got;
    char what[1100];
    snprintf(what, sizeof what, "ONNX file %s", c->path);
    while ((got = pb_next(&r, &f, c->start, what)) == 1) {
        ganc_status st = fn(c, &f, out);
        if (st) return st;
    }
    return got < 0 ? ganc_error_status() : GANC_OK;
}

/* ---- ValueInfoProto ---- */

static ganc_status dim_field(const ctx *c, const pb_field *f, void *out) {
    onnx_info_value *v = out;
    int d = v->ndim - 1;
    if (f->number == DIM_VALUE && f->wire == PB_WIRE_VARINT) v->dims[d] = (int64_t)f->value;
    else if (f->number == DIM_PARAM && f->wire == PB_WIRE_LEN) copy_text(v->params[d], sizeof v->params[d], f);
    return GANC_OK;
}

static ganc_status shape_field(const ctx *c, const pb_field *f, void *out) {
    onnx_info_value *v = out;
    if (f->number != SHAPE_DIM) return GANC_OK;
    if (f->wire != PB_WIRE_LEN) return wrong_wire(c, f, "TensorShapeProto.dim");
    if (v->ndim == ONNX_INFO_MAX_DIM)
        return GANC_ERR(GANC_ERR_UNSUPPORTED, "ONNX file %s: value %s has more than %d dims", c->path, v->name,
                        ONNX_INFO_MAX_DIM);
    v->dims[v->ndim] = -1;
    v->params[v->ndim][0] = '\0';
    v->ndim++;
    return walk(c, f->data, f->len, dim_field, v);
}

static ganc_status tensor_type_field(const ctx *c, const pb_field *f, void *out) {
    onnx_info_value *v = out;
    if (f->number == TENSOR_ELEM_TYPE && f->wire == PB_WIRE_VARINT) v->elem_type = (int)f->value;
    if (f->number != TENSOR_SHAPE) return GANC_OK;
    if (f->wire != PB_WIRE_LEN) return wrong_wire(c, f, "TypeProto.Tensor.shape");
    v->ndim = 0;
    return walk(c, f->data, f->len, shape_field, v);
}

static ganc_status type_field(const ctx *c, const pb_field *f, void *out) {
    if (f->number != TYPE_TENSOR) return GANC_OK; /* sequences, maps: named, not described */
    if (f->wire != PB_WIRE_LEN) return wrong_wire(c, f, "TypeProto.tensor_type");
    return walk(c, f->data, f->len, tensor_type_field, out);
}

static ganc_status value_info_field(const ctx *c, const pb_field *f, void *out) {
    onnx_info_value *v = out;
    if (f->number == VALUE_NAME && f->wire == PB_WIRE_LEN) copy_text(v->name, sizeof v->name, f);
    if (f->number != VALUE_TYPE) return GANC_OK;
    if (f->wire != PB_WIRE_LEN) return wrong_wire(c, f, "ValueInfoProto.type");
    return walk(c, f->data, f->len, type_field, v);
}

static ganc_status add_value(const ctx *c, const pb_field *f, onnx_info_value *list, int *n) {
    if (f->wire != PB_WIRE_LEN) return wrong_wire(c, f, "GraphProto.input/output");
    if (*n >= ONNX_INFO_MAX_IO) {
        (*n)++;
        return GANC_OK;
    }
    onnx_info_value *v = &list[*n];
    memset(v, 0, sizeof *v);
    v->ndim = -1;
    (*n)++;
    return walk(c, f->data, f->len, value_info_field, v);
}

/* ---- NodeProto, TensorProto ---- */

static ganc_status node_field(const ctx *c, const pb_field *f, void *out) {
    char *op = out;
    if (f->number == NODE_OP_TYPE && f->wire == PB_WIRE_LEN) copy_text(op, 48, f);
    return GANC_OK;
}

static ganc_status count_op(onnx_info *info, const char *op) {
    for (int i = 0; i < info->n_ops; i++)
        if (strcmp(info->ops[i].op, op) == 0) {
            info->ops[i].count++;
            return GANC_OK;
        }
    if (info->n_ops == ONNX_INFO_MAX_OPS)
        return GANC_ERR(GANC_ERR_UNSUPPORTED, "ONNX model has more than %d op types", ONNX_INFO_MAX_OPS);
    snprintf(info->ops[info->n_ops].op, sizeof info->ops[0].op, "%s", op);
    info->ops[info->n_ops++].count = 1;
    return GANC_OK;
}

typedef struct {
    uint64_t numel;
} tensor_size;

/* dims: one varint per field, or packed into one length-delimited field. */
static ganc_status tensor_field(const ctx *c, const pb_field *f, void *out) {
    tensor_size *t = out;
    if (f->number != TENSOR_DIMS) return GANC_OK;
    if (f->wire == PB_WIRE_VARINT) {
        t->numel *= f->value;
    } else if (f->wire == PB_WIRE_LEN) {
        pb_decoder packed = pb_decoder_of(f->data, f->len);
        uint64_t v;
        while (packed.p < packed.end)
            if (pb_read_varint(&packed, &v)) t->numel *= v;
            else return wrong_wire(c, f, "TensorProto.dims (bad packed varint)");
    } else {
        return wrong_wire(c, f, "TensorProto.dims");
    }
    return GANC_OK;
}

static ganc_status graph_field(const ctx *c, const pb_field *f, void *out) {
    onnx_info *info = out;
    switch (f->number) {
    case GRAPH_NODE: {
        if (f->wire != PB_WIRE_LEN) return wrong_wire(c, f, "GraphProto.node");
        char op[48] = "";
        ganc_status st = walk(c, f->data, f->len, node_field, op);
        if (!st) st = count_op(info, op[0] ? op : "(no op_type)");
        info->n_nodes++;
        return st;
    }
    case GRAPH_NAME:
        if (f->wire == PB_WIRE_LEN) copy_text(info->graph_name, sizeof info->graph_name, f);
        return GANC_OK;
    case GRAPH_INITIALIZER: {
        if (f->wire != PB_WIRE_LEN) return wrong_wire(c, f, "GraphProto.initializer");
        tensor_size t = {1};
        ganc_status st = walk(c, f->data, f->len, tensor_field, &t);
        info->n_initializers++;
        info->initializer_values += t.numel;
        return st;
    }
    case GRAPH_INPUT: return add_value(c, f, info->inputs, &info->n_inputs);
    case GRAPH_OUTPUT: return add_value(c, f, info->outputs, &info->n_outputs);
    }
    return GANC_OK;
}

/* ---- ModelProto ---- */

typedef struct {
    char domain[64];
    int64_t version;
    char key[256];
    char *value;
} entry;

static ganc_status opset_field(const ctx *c, const pb_field *f, void *out) {
    entry *e = out;
    if (f->number == OPSET_DOMAIN && f->wire == PB_WIRE_LEN) copy_text(e->domain, sizeof e->domain, f);
    if (f->number == OPSET_VERSION && f->wire == PB_WIRE_VARINT) e->version = (int64_t)f->value;
    return GANC_OK;
}

static ganc_status meta_field(const ctx *c, const pb_field *f, void *out) {
    entry *e = out;
    if (f->wire != PB_WIRE_LEN) return GANC_OK;
    if (f->number == ENTRY_KEY) copy_text(e->key, sizeof e->key, f);
    if (f->number == ENTRY_VALUE) {
        free(e->value);
        if (!(e->value = malloc(f->len + 1)))
            return GANC_ERR(GANC_ERR_MEMORY, "ONNX file %s: out of memory for metadata", c->path);
        memcpy(e->value, f->data, f->len);
        e->value[f->len] = '\0';
    }
    return GANC_OK;
}

static ganc_status model_field(const ctx *c, const pb_field *f, void *out) {
    onnx_info *info = out;
    bool len_field = f->number == MODEL_PRODUCER || f->number == MODEL_PRODUCER_VERSION ||
                     f->number == MODEL_GRAPH || f->number == MODEL_OPSET || f->number == MODEL_METADATA;
    if (len_field && f->wire != PB_WIRE_LEN) return wrong_wire(c, f, "ModelProto field");
    switch (f->number) {
    case MODEL_IR_VERSION:
        if (f->wire != PB_WIRE_VARINT) return wrong_wire(c, f, "ModelProto.ir_version");
        info->ir_version = (int64_t)f->value;
        return GANC_OK;
    case MODEL_PRODUCER: copy_text(info->producer, sizeof info->producer, f); return GANC_OK;
    case MODEL_PRODUCER_VERSION: copy_text(info->producer_version, sizeof info->producer_version, f); return GANC_OK;
    case MODEL_GRAPH: return walk(c, f->data, f->len, graph_field, info);
    case MODEL_OPSET: {
        entry e = {.version = 0};
        ganc_status st = walk(c, f->data, f->len, opset_field, &e);
        if (!st && (!e.domain[0] || strcmp(e.domain, "ai.onnx") == 0)) info->opset = e.version;
        return st;
    }
    case MODEL_METADATA: {
        entry e = {.value = NULL};
        ganc_status st = walk(c, f->data, f->len, meta_field, &e);
        if (!st && info->n_meta < ONNX_INFO_MAX_META) {
            char *key = malloc(strlen(e.key) + 1);
            if (!key) {
                free(e.value);
                return GANC_ERR(GANC_ERR_MEMORY, "ONNX file %s: out of memory for metadata", c->path);
            }
            strcpy(key, e.key);
            info->meta_keys[info->n_meta] = key;
            info->meta_values[info->n_meta++] = e.value ? e.value : calloc(1, 1);
            return GANC_OK;
        }
        free(e.value);
        return st;
    }
    }
    return GANC_OK;
}

static ganc_status read_all(const char *path, uint8_t **data, size_t *size) {
    FILE *f = file_open_read(path);
    if (!f) return GANC_ERR(GANC_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    rewind(f);
    *data = n >= 0 ? malloc((size_t)n + 1) : NULL;
    bool ok = *data && fread(*data, 1, (size_t)n, f) == (size_t)n;
    int err = errno;
    fclose(f);
    if (!ok) {
        free(*data);
        *data = NULL;
        return GANC_ERR(GANC_ERR_IO, "cannot read %s: %s", path, n < 0 ? strerror(err) : "out of memory or short read");
    }
    *size = (size_t)n;
    return GANC_OK;
}

ganc_status onnx_info_parse(const char *origin, const uint8_t *data, size_t size, onnx_info *info) {
    memset(info, 0, sizeof *info);
    info->opset = -1;
    ctx c = {data, origin};
    ganc_status st = walk(&c, data, size, model_field, info);
    if (!st && (info->ir_version <= 0 || info->opset < 0 || !info->n_outputs))
        st = GANC_ERR(GANC_ERR_FORMAT, "%s is not an ONNX model: %s", origin,
                      info->ir_version <= 0 ? "no ir_version" : info->opset < 0 ? "no default-domain opset_import"
                                                                                : "its graph has no outputs");
    if (st) onnx_info_free(info);
    return st;
}

ganc_status onnx_info_read(const char *path, onnx_info *info) {
    memset(info, 0, sizeof *info);
    uint8_t *data = NULL;
    size_t size = 0;
    ganc_status st = read_all(path, &data, &size);
    if (st) return st;
    st = onnx_info_parse(path, data, size, info);
    free(data);
    return st;
}

void onnx_info_free(onnx_info *info) {
    for (int i = 0; i < info->n_meta; i++) {
        free(info->meta_keys[i]);
        free(info->meta_values[i]);
    }
    info->n_meta = 0;
}

size_t onnx_info_op_count(const onnx_info *info, const char *op) {
    for (int i = 0; i < info->n_ops; i++)
        if (strcmp(info->ops[i].op, op) == 0) return info->ops[i].count;
    return 0;
}

const char *onnx_info_meta(const onnx_info *info, const char *key) {
    for (int i = 0; i < info->n_meta; i++)
        if (strcmp(info->meta_keys[i], key) == 0) return info->meta_values[i];
    return NULL;
}

static const char *elem_type_name(int t) {
    static const char *const names[] = {"undefined", "float32", "uint8", "int8", "uint16", "int16", "int32",
                                        "int64", "string", "bool", "float16", "float64", "uint32", "uint64"};
    return t >= 0 && t < (int)(sizeof names / sizeof names[0]) ? names[t] : "other";
}

static void print_values(FILE *out, const char *title, const onnx_info_value *v, int n) {
    fprintf(out, "%s:\n", title);
    for (int i = 0; i < n && i < ONNX_INFO_MAX_IO; i++) {
        fprintf(out, "  %-24s %-8s ", v[i].name, elem_type_name(v[i].elem_type));
        if (v[i].ndim < 0) fprintf(out, "(shape not given)");
        for (int d = 0; d < v[i].ndim; d++) {
            fprintf(out, d ? "," : "(");
            if (v[i].params[d][0]) fprintf(out, "%s", v[i].params[d]);
            else if (v[i].dims[d] >= 0) fprintf(out, "%lld", (long long)v[i].dims[d]);
            else fprintf(out, "?");
        }
        fprintf(out, v[i].ndim > 0 ? ")\n" : v[i].ndim == 0 ? "()\n" : "\n");
    }
    if (n > ONNX_INFO_MAX_IO) fprintf(out, "  ... and %d more\n", n - ONNX_INFO_MAX_IO);
}

void onnx_info_print(const onnx_info *info, FILE *out, bool show_config) {
    fprintf(out, "  format = ONNX, ir_version %lld, opset %lld\n", (long long)info->ir_version,
            (long long)info->opset);
    if (info->producer[0]) fprintf(out, "  producer = %s %s\n", info->producer, info->producer_version);
    if (info->graph_name[0]) fprintf(out, "  graph = %s\n", info->graph_name);
    for (int i = 0; i < info->n_meta; i++)
        if (strcmp(info->meta_keys[i], "config") != 0)
            fprintf(out, "  %s = %s\n", info->meta_keys[i], info->meta_values[i]);
    print_values(out, "inputs", info->inputs, info->n_inputs);
    print_values(out, "outputs", info->outputs, info->n_outputs);
    fprintf(out, "nodes: %zu\n", info->n_nodes);
    for (int i = 0; i < info->n_ops; i++) fprintf(out, "  %-24s %6zu\n", info->ops[i].op, info->ops[i].count);
    fprintf(out, "initializers: %zu tensors, %llu values\n", info->n_initializers,
            (unsigned long long)info->initializer_values);
    const char *config = onnx_info_meta(info, "config");
    if (show_config && config) fprintf(out, "config:\n%s", config);
}
