#ifndef GANC_DATA_EXIF_H
#define GANC_DATA_EXIF_H

/* The EXIF orientation of a JPEG (tag 0x0112 of IFD0 in the APP1 "Exif"
 * segment), and turning decoded pixels upright by it, as cameras and
 * phones expect viewers to (PIL's ImageOps.exif_transpose, OpenCV's
 * imread). Orientation values:
 *   1 upright        2 mirrored left-right   3 rotated 180   4 mirrored top-bottom
 *   5 transposed     6 needs 90° clockwise   7 transversed   8 needs 90° anticlockwise */

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* 1..8 from the n bytes of a JPEG file; 1 when the file is not a JPEG,
 * has no EXIF orientation, or the tag is damaged or out of range (a bad
 * tag never makes a readable image unreadable). */
int exif_orientation(const uint8_t *data, size_t n);

/* True when `orientation` swaps width and height (5..8). */
int exif_swaps_sides(int orientation);

/* Rewrites *pixels ((h,w,c) interleaved, malloc'd) upright for
 * `orientation`; *w and *h get the new sides. Orientation 1 (or anything
 * outside 2..8) leaves the image as it is. */
ganc_status exif_apply(int orientation, uint8_t **pixels, int *w, int *h, int c);

#endif
