/* Every op of the core, as X(ID, "name", differentiable). The op-coverage
 * test walks this list and fails when a differentiable op has no
 * gradient-check case; tape nodes carry the id, so a case must really put
 * its op on the tape. Add new ops at the end of their group. */
#define GANC_OP_LIST(X)                                   \
    X(OP_ADD, "add", 1)                                   \
    X(OP_SUB, "sub", 1)                                   \
    X(OP_MUL, "mul", 1)                                   \
    X(OP_DIV, "div", 1)                                   \
    X(OP_ADD_SCALAR, "add_scalar", 1)                     \
    X(OP_MUL_SCALAR, "mul_scalar", 1)                     \
    X(OP_NEG, "neg", 1)                                   \
    X(OP_ABS, "abs", 1)                                   \
    X(OP_EXP, "exp", 1)                                   \
    X(OP_LOG, "log", 1)                                   \
    X(OP_SQRT, "sqrt", 1)                                 \
    X(OP_POW, "pow", 1)                                   \
    X(OP_CLAMP, "clamp", 1)                               \
    X(OP_RELU, "relu", 1)                                 \
    X(OP_LEAKY_RELU, "leaky_relu", 1)                     \
    X(OP_ELU, "elu", 1)                                   \
    X(OP_TANH, "tanh", 1)                                 \
    X(OP_SIGMOID, "sigmoid", 1)                           \
    X(OP_SOFTPLUS, "softplus", 1)                         \
    X(OP_SUM, "sum", 1)                                   \
    X(OP_MEAN, "mean", 1)                                 \
    X(OP_MAX, "max", 1)                                   \
    X(OP_SOFTMAX, "softmax", 1)                           \
    X(OP_LOG_SOFTMAX, "log_softmax", 1)                   \
    X(OP_MATMUL, "matmul", 1)                             \
    X(OP_LINEAR, "linear", 1)                             \
    X(OP_CONV2D, "conv2d", 1)                             \
    X(OP_CONV_TRANSPOSE2D, "conv_transpose2d", 1)         \
    X(OP_PAD, "pad", 1)                                   \
    X(OP_UPSAMPLE_NEAREST, "upsample_nearest", 1)         \
    X(OP_UPSAMPLE_BILINEAR, "upsample_bilinear", 1)       \
    X(OP_AVG_POOL, "avg_pool", 1)                         \
    X(OP_MAX_POOL, "max_pool", 1)                         \
    X(OP_ADAPTIVE_AVG_POOL, "adaptive_avg_pool", 1)       \
    X(OP_ADAPTIVE_MAX_POOL, "adaptive_max_pool", 1)       \
    X(OP_BATCH_NORM, "batch_norm", 1)                     \
    X(OP_INSTANCE_NORM, "instance_norm", 1)               \
    X(OP_LAYER_NORM, "layer_norm", 1)                     \
    X(OP_GROUP_NORM, "group_norm", 1)                     \
    X(OP_CONCAT, "concat", 1)                             \
    X(OP_SLICE, "slice", 1)                               \
    X(OP_RESHAPE, "reshape", 1)                           \
    X(OP_PERMUTE, "permute", 1)                           \
    X(OP_FLIP, "flip", 1)                                 \
    X(OP_MSE, "mse", 1)                                   \
    X(OP_L1, "l1", 1)                                     \
    X(OP_SMOOTH_L1, "smooth_l1", 1)                       \
    X(OP_BCE_WITH_LOGITS, "bce_with_logits", 1)           \
    X(OP_NLL, "nll", 1)                                   \
    X(OP_CROSS_ENTROPY, "cross_entropy", 1)               \
    X(OP_COSINE_SIMILARITY, "cosine_similarity", 1)       \
    X(OP_DROPOUT, "dropout", 1)                           \
    X(OP_AREA_DOWNSCALE, "area_downscale", 1)             \
    X(OP_GAUSSIAN_BLUR, "gaussian_blur", 1)               \
    X(OP_SOBEL, "sobel", 1)                               \
    X(OP_GRAD_REVERSE, "grad_reverse", 1)                 \
    X(OP_DETACH, "detach", 0)
