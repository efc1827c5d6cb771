#include "core/ops.h"

#include <string.h>

static const struct {
    const char *name;
    bool differentiable;
} op_table[OP_COUNT] = {
#define GANC_OP_ROW(id, name, diff) [id] = {name, diff},
    GANC_OP_LIST(GANC_OP_ROW)
#undef GANC_OP_ROW
};

const char *op_name(op_id op) { return op < OP_COUNT ? op_table[op].name : "?"; }
bool op_is_differentiable(op_id op) { return op < OP_COUNT && op_table[op].differentiable; }

op_id op_find(const char *name) {
    for (int i = 0; i < OP_COUNT; i++)
        if (strcmp(op_table[i].name, name) == 0) return (op_id)i;
    return OP_COUNT;
}
