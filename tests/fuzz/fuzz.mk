# Fuzzing (docs/reliability.md). Included by the Makefile, after LIB_SRC.
# `make fuzz` builds one libFuzzer binary per parser into build/fuzz/, with
# clang, ASan and UBSan over the whole library and stb_image;
# `make fuzz-smoke` runs each for FUZZ_SECONDS (default 60) from its seed
# corpus and fails on any crash, leak or undefined behaviour. Without clang,
# fuzz-smoke says SKIP and succeeds.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := build/fuzz
FUZZ_NAMES   := $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/%)
FUZZ_SAN     := -fsanitize=address$(comma)undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fopenmp -Wall -Wextra -Wno-unused-parameter \
                -Wno-missing-field-initializers -I. -I/usr/include/stb \
                $(if $(BLAS_INC),-I$(BLAS_INC)) -MMD -MP $(FUZZ_SAN)
# stb_image comes from tests/fuzz/stb_impl.c (instrumented), so no -lstb.
FUZZ_LDLIBS  := -lopenblas -lz -lm -lpthread -ldl
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o) $(FUZZ_BUILD)/core/cuda/cuda_stub.o $(FUZZ_BUILD)/tests/fuzz/stb_impl.o

.PHONY: fuzz fuzz-smoke
fuzz: $(FUZZ_BINS)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/libganc.a: $(FUZZ_LIB_OBJ)
	@rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_BUILD)/libganc.a
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -fopenmp $^ $(FUZZ_LDLIBS) -o $@

fuzz-smoke:
	@FUZZ_CC=$(FUZZ_CC) FUZZ_SECONDS=$(FUZZ_SECONDS) MAKE="$(MAKE)" tests/fuzz/smoke.sh
