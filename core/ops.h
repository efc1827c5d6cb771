#ifndef GANC_OPS_H
#define GANC_OPS_H

#include <stdbool.h>

#include "core/op_list.h"

typedef enum {
#define GANC_OP_ENUM(id, name, diff) id,
    GANC_OP_LIST(GANC_OP_ENUM)
#undef GANC_OP_ENUM
    OP_COUNT
} op_id;

const char *op_name(op_id op);
bool op_is_differentiable(op_id op);
/* OP_COUNT when no op has this name. */
op_id op_find(const char *name);

#endif
