#ifndef GANC_DATA_TENSORBOARD_H
#define GANC_DATA_TENSORBOARD_H

/* TensorBoard event files, written without TensorFlow: each record is
 * TFRecord-framed (uint64 LE length, masked CRC32C of those 8 bytes, the
 * payload, masked CRC32C of the payload) and its payload is an `Event`
 * protobuf. A file starts with file_version "brain.Event:2" and a SessionLog
 * START; each later event holds a step and a Summary of scalar values.
 * `tensorboard --logdir DIR` reads the files while they grow, so flush
 * after each logging step. */

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct tb_writer tb_writer;

/* Creates `dir` when it is missing (its parent must exist) and a new file
 * DIR/events.out.tfevents.<unix time, 10 digits>.<hostname> in it, with
 * ".01", ".02", ... appended when a file of that name exists already (two
 * writers opened within a second). resume_step < 0 starts a run;
 * resume_step >= 0 continues one restored from the checkpoint of that step:
 * TensorBoard then drops the points after resume_step that earlier files in
 * DIR hold (logged after that checkpoint, and about to be logged again).
 * NULL with an error naming the path. */
tb_writer *tb_writer_open(const char *dir, int64_t resume_step);
const char *tb_writer_path(const tb_writer *w);

/* One event at `step` with one scalar per tag; the wall time is the current
 * time. Values are stored as float32 (TensorBoard's simple_value). Tags must
 * be non-empty; "/" groups them in TensorBoard ("loss/D_A"). */
ganc_status tb_add_scalars(tb_writer *w, int64_t step, const char *const *tags, const double *values, int n);
ganc_status tb_add_scalar(tb_writer *w, const char *tag, int64_t step, double value);

ganc_status tb_flush(tb_writer *w);
/* Flushes, closes and frees (NULL is ignored); returns the first write error. */
ganc_status tb_close(tb_writer *w);

/* CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, initial value and
 * final xor 0xFFFFFFFF) and TFRecord's masking of it, exposed for tests and
 * readers: mask(c) = ((c >> 15) | (c << 17)) + 0xa282ead8. */
uint32_t tb_crc32c(const void *data, size_t n);
uint32_t tb_crc32c_mask(uint32_t crc);

#endif
