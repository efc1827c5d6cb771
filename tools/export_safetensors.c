/* One network's weights as safetensors, named as the reference PyTorch
 * model's state_dict names them. */
#include <string.h>

#include "core/checkpoint.h"
#include "layers/module.h"
#include "tools/export.h"

/* Adds every entry of ps without the "<network>." prefix. */
static ganc_status put_set(checkpoint *ck, const network *net, const param_set *ps) {
    size_t prefix = strlen(net->name) + 1;
    for (size_t i = 0; i < ps->count; i++) {
        const param_entry *e = &ps->entries[i];
        if (strncmp(e->name, net->name, prefix - 1) != 0 || e->name[prefix - 1] != '.')
            return GANC_ERR(GANC_ERR_ARG, "safetensors export: %s is not a tensor of network %s", e->name, net->name);
        const char *name = e->name + prefix;
        const char *last = strrchr(name, '.');
        /* PyTorch keeps BatchNorm's step counter as an int64 scalar; ganc as a (1) real. */
        bool counter = strcmp(last ? last + 1 : name, "num_batches_tracked") == 0 && e->t->numel == 1;
        ganc_status st = counter ? checkpoint_add(ck, name, 0, NULL, e->t->data)
                                 : checkpoint_add(ck, name, e->t->ndim, e->t->shape, e->t->data);
        if (!st && counter) st = checkpoint_set_int64(ck, name);
        if (st) return st;
    }
    return GANC_OK;
}

ganc_status safetensors_export_network(const network *net, const char *config_text, const char *path) {
    if (!net->root) return GANC_ERR(GANC_ERR_STATE, "safetensors export: network %s has no modules", net->name);
    checkpoint *ck = checkpoint_new();
    if (!ck) return ganc_error_status();
    ganc_status st = put_set(ck, net, &net->params);
    if (!st) st = put_set(ck, net, &net->buffers);
    if (!st) st = checkpoint_set_meta(ck, "architecture", net->root->type->name);
    if (!st) st = checkpoint_set_meta(ck, "arch", net->arch);
    if (!st) st = checkpoint_set_meta(ck, "network", net->name);
    if (!st && config_text) st = checkpoint_set_meta(ck, "config", config_text);
    if (!st) st = checkpoint_write(ck, path);
    checkpoint_free(ck);
    return st;
}
