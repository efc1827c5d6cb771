#ifndef GANC_CHECKPOINT_H
#define GANC_CHECKPOINT_H

/* A checkpoint: named tensors plus string metadata, stored as a safetensors
 * file (core/safetensors.h) that the `safetensors` Python package and
 * PyTorch load as they are. Values are written as float32 (int64 where
 * asked). The zlib crc32
 * of the payload sits in the metadata under "crc32" and is checked on
 * read. A write goes to a temporary file in the same directory, which is
 * flushed, fsync'd and renamed over the target, and the directory is
 * fsync'd: a crash at any moment leaves either the old file or the new
 * one, never a torn one. docs/checkpoints.md lists what a training
 * checkpoint holds. */

#include <stdbool.h>
#include <stdint.h>

#include "core/params.h"
#include "core/rng.h"
#include "core/safetensors.h"

typedef struct checkpoint checkpoint;

typedef struct checkpoint_tensor {
    char *name;
    int ndim; /* 0 (a scalar) .. SAFETENSORS_MAX_DIM */
    int64_t shape[SAFETENSORS_MAX_DIM];
    size_t numel;
    real *data; /* CPU, owned by the checkpoint */
    bool used;  /* taken by a checkpoint_get*; see checkpoint_check_all_used */
    /* As read from the file; written as I64 when I64 (checkpoint_set_int64), else as F32. */
    safetensors_dtype dtype;
} checkpoint_tensor;

/* NULL with an error when out of memory. */
checkpoint *checkpoint_new(void);
void checkpoint_free(checkpoint *ck);

/* Adds a copy of `data` (the product of `shape` values, ndim 0..8). Errors
 * on a duplicate or empty name. */
ganc_status checkpoint_add(checkpoint *ck, const char *name, int ndim, const int *shape, const real *data);
/* Writes tensor `name` as int64 (values rounded): counters that PyTorch
 * keeps as integers, such as BatchNorm's num_batches_tracked. */
ganc_status checkpoint_set_int64(checkpoint *ck, const char *name);
/* NULL when absent (not an error). */
const checkpoint_tensor *checkpoint_find(const checkpoint *ck, const char *name);
/* Copies tensor `name` into dst after checking that it exists with
 * exactly `shape`; `owner` ("network G_A") names the expecting side in the
 * error: "checkpoint X has NAME with shape (64,3,7,7), network G_A expects
 * (32,3,7,7)". Marks the tensor used. */
ganc_status checkpoint_get(checkpoint *ck, const char *name, int ndim, const int *shape, real *dst,
                           const char *owner);

size_t checkpoint_count(const checkpoint *ck);
const checkpoint_tensor *checkpoint_at(const checkpoint *ck, size_t i);
/* The file a checkpoint was read from ("(memory)" before that). */
const char *checkpoint_origin(const checkpoint *ck);

/* Metadata: string key -> string value; setting a key again replaces it.
 * "crc32" and "header_crc32" are reserved for the writer. */
ganc_status checkpoint_set_meta(checkpoint *ck, const char *key, const char *value);
ganc_status checkpoint_set_meta_u64(checkpoint *ck, const char *key, uint64_t value);
/* NULL when absent. */
const char *checkpoint_meta(const checkpoint *ck, const char *key);
/* Error naming the file and key when absent or not a decimal integer. */
ganc_status checkpoint_meta_u64(const checkpoint *ck, const char *key, uint64_t *out);
size_t checkpoint_meta_count(const checkpoint *ck);
/* Key i and its value. */
const char *checkpoint_meta_at(const checkpoint *ck, size_t i, const char **value);

/* Writes atomically (see the top of this file). Metadata written: the
 * caller's, plus "header_crc32", "crc32" and "format" = "pt" (docs/checkpoints.md). */
ganc_status checkpoint_write(const checkpoint *ck, const char *path);

#define CHECKPOINT_ALLOW_NO_CRC 1u /* read safetensors files from elsewhere, which carry no crc32 */
/* Reads and validates a whole file: header length, header JSON, dtypes,
 * offsets, header_crc32 and crc32 (both required unless CHECKPOINT_ALLOW_NO_CRC). */
ganc_status checkpoint_read(const char *path, unsigned flags, checkpoint **out);
/* The same from the `size` bytes of a file already in memory; `origin`
 * names it in errors. checkpoint_read reads the file and calls this. */
ganc_status checkpoint_read_memory(const char *origin, const void *data, size_t size, unsigned flags,
                                   checkpoint **out);
/* Error naming the first tensor no checkpoint_get* took (after loading
 * every part of a run, a leftover means the run and the file disagree). */
ganc_status checkpoint_check_all_used(const checkpoint *ck);

/* For tests of the atomic write: the next checkpoint_write stops after
 * writing `bytes` bytes of its temporary file and returns an error without
 * cleaning up or renaming, as if the process had died there. -1: off. */
void checkpoint_test_crash_after(long bytes);

/* Parameter sets (and blocks laid out like one: optimizer moments). Each
 * parameter goes in under prefix + its name (prefix "" for the weights
 * themselves, "optim.m." for Adam's first moments, ...). */
ganc_status checkpoint_put_block(checkpoint *ck, const char *prefix, const param_set *ps, const real *block);
/* Fills `block` (ps->numel values) from the checkpoint: every parameter
 * must be there with its exact shape. */
ganc_status checkpoint_get_block(checkpoint *ck, const char *prefix, const param_set *ps, real *block);
ganc_status checkpoint_put_params(checkpoint *ck, const param_set *ps);
ganc_status checkpoint_get_params(checkpoint *ck, param_set *ps);

/* A generator's (seed, counter) as metadata "rng.<name>.seed" and
 * "rng.<name>.counter" (decimal: they do not fit a float32 tensor). */
ganc_status checkpoint_put_rng(checkpoint *ck, const char *name, const rng *r);
ganc_status checkpoint_get_rng(const checkpoint *ck, const char *name, rng *r);

#endif
