#ifndef GANC_TOOLS_ONNX_INFO_H
#define GANC_TOOLS_ONNX_INFO_H

/* What an ONNX model file holds, for `ganc info` and `ganc export`: read
 * with the protobuf decoder (data/protobuf.h) from the fields of
 * onnx.proto3 that describe a model. Any ONNX file is read, not only
 * ganc's: packed or unpacked repeated fields, unknown fields skipped. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"

#define ONNX_INFO_MAX_IO 16
#define ONNX_INFO_MAX_DIM 8
#define ONNX_INFO_MAX_OPS 96
#define ONNX_INFO_MAX_META 16

typedef struct {
    char name[128];
    int elem_type; /* TensorProto.DataType: 1 float, 7 int64, ... */
    int ndim;      /* -1: no shape given */
    int64_t dims[ONNX_INFO_MAX_DIM]; /* -1 where unknown or symbolic */
    char params[ONNX_INFO_MAX_DIM][32]; /* symbolic names ("batch"), "" otherwise */
} onnx_info_value;

typedef struct {
    char op[48];
    size_t count;
} onnx_info_op;

typedef struct onnx_info {
    int64_t ir_version, opset; /* opset of the default domain */
    char producer[64], producer_version[32], graph_name[64];
    onnx_info_value inputs[ONNX_INFO_MAX_IO], outputs[ONNX_INFO_MAX_IO];
    int n_inputs, n_outputs; /* as stored; beyond ONNX_INFO_MAX_IO only counted */
    onnx_info_op ops[ONNX_INFO_MAX_OPS];
    int n_ops; /* distinct op types */
    size_t n_nodes, n_initializers;
    uint64_t initializer_values; /* product of each initializer's dims, summed */
    char *meta_keys[ONNX_INFO_MAX_META], *meta_values[ONNX_INFO_MAX_META];
    int n_meta;
} onnx_info;

/* Reads and decodes the model in `path`; an error names the file and
 * what is malformed. Free with onnx_info_free. */
ganc_status onnx_info_read(const char *path, onnx_info *info);
void onnx_info_free(onnx_info *info);
/* Count of nodes of op type `op` (0 when none). */
size_t onnx_info_op_count(const onnx_info *info, const char *op);
/* The metadata value of key, or NULL. */
const char *onnx_info_meta(const onnx_info *info, const char *key);
/* Inputs, outputs, nodes by op type, initializers, opset and metadata
 * (the config last); `show_config` false leaves the config out. */
void onnx_info_print(const onnx_info *info, FILE *out, bool show_config);

#endif
