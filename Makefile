# ganc build. `make` builds lib/libganc.a and bin/ganc (CPU backend, plus the
# CUDA backend when nvcc is found); `make test` runs every test; `make SAN=1
# test` the same under ASan+UBSan; `make demo` trains a small model.

CC       ?= gcc
CUDA_HOME ?= /usr/local/cuda
CUDNN_HOME ?= $(CUDA_HOME)
NVCC     ?= $(CUDA_HOME)/bin/nvcc
SAN      ?= 0
WERROR   ?= 0

# CUDA=1 builds the CUDA backend, CUDA=0 leaves it out; default: on when nvcc is present.
ifeq ($(origin CUDA), undefined)
  CUDA := $(if $(wildcard $(NVCC)),1,0)
endif

# CUDA_SIM=1 builds the CUDA backend with the host C++ compiler against the
# simulator in core/cuda/sim (docs/cuda.md): kernels run on the CPU.
CUDA_SIM  ?= 0
ifeq ($(CUDA_SIM),1)
  CUDA := 0
endif
VARIANT   := $(if $(filter 1,$(SAN)),san,release)$(if $(filter 1,$(CUDA)),-cuda)$(if $(filter 1,$(CUDA_SIM)),-sim)
BUILD     := build/$(VARIANT)
BUILD64   := build/$(if $(filter 1,$(SAN)),san,release)-f64

WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter -Wno-missing-field-initializers $(if $(filter 1,$(WERROR)),-Werror)
comma     := ,
SANFLAGS  := -fsanitize=address$(comma)undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT       := $(if $(filter 1,$(SAN)),-O1 $(SANFLAGS),-O2)
# OpenBLAS's own cblas.h, whatever Debian's cblas.h alternative points at: the
# reference BLAS's header (libblas-dev) would compile out every OpenBLAS call.
BLAS_INC  ?= $(firstword $(wildcard $(foreach v,pthread openmp serial,/usr/include/*/openblas-$(v))) \
                         $(wildcard /usr/include/openblas))
CFLAGS    := -std=c11 -D_POSIX_C_SOURCE=200809L -g $(OPT) $(WARN) -fopenmp -I. -I/usr/include/stb \
             $(if $(BLAS_INC),-I$(BLAS_INC)) -MMD -MP
# -rdynamic exports the library's functions to loss plugins (losses/plugin_api.h), loaded with dlopen.
LDFLAGS   := $(if $(filter 1,$(SAN)),$(SANFLAGS)) -fopenmp -rdynamic
LDLIBS    := -lopenblas -lstb -lz -lm -lpthread -ldl

# Everything but main() goes into the library, so tests can call commands in-process.
TOOL_SRC  := tools/ganc.c
LIB_SRC   := $(wildcard core/*.c core/cpu/*.c core/ops/*.c core/gradcheck/*.c layers/*.c losses/*.c \
                        optim/*.c data/*.c data/*/*.c experiments/*.c experiments/*/*.c) \
             $(filter-out $(TOOL_SRC),$(wildcard tools/*.c))
TEST_SRC  := $(wildcard tests/test_*.c)
PREC_SRC  := $(wildcard tests/precision_*.c)
CU_SRC    := $(wildcard core/cuda/*.cu)
# Loss plugins: the shipped examples, and the broken ones the loader's tests need.
PLUGIN_SRC      := $(wildcard losses/plugins/*.c)
TEST_PLUGIN_SRC := $(wildcard tests/plugins/*.c)

ifeq ($(CUDA),1)
  CUDA_OBJ := $(CU_SRC:%.cu=$(BUILD)/%.o)
  # Static cudart: the binary starts on machines without a GPU or driver and
  # falls back to the CPU. cuBLAS and cuDNN are loaded with dlopen when a GPU
  # is first used (core/cuda/cuda_libs.cu), from the loader's paths or these.
  CUDA_LIBDIRS := $(CUDA_HOME)/lib64:$(CUDNN_HOME)/lib64:$(CUDNN_HOME)/lib
  CUDA_LIBS := -L$(CUDA_HOME)/lib64 -lcudart_static -ldl -lrt -lstdc++
  # sm_90 code for the H100/H200 plus compute_90 PTX for newer GPUs to JIT.
  # --fmad=false: no contraction of a*b+c into one rounding, as the CPU
  # reference computes, so index arithmetic and sums round the same way.
  NVFLAGS  := -O2 -std=c++17 -I. -I$(CUDNN_HOME)/include --fmad=false -DGANC_CUDA_LIB_DIRS='"$(CUDA_LIBDIRS)"' \
              -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90 \
              -Xcompiler -Wall,-Wextra,-Wno-unused-parameter,-Wno-missing-field-initializers \
              $(if $(filter 1,$(WERROR)),-Werror all-warnings -Xcompiler -Werror)
else ifeq ($(CUDA_SIM),1)
  SIM_SRC  := $(filter-out core/cuda/cuda_libs.cu,$(CU_SRC)) $(wildcard core/cuda/sim/*.cpp)
  CUDA_OBJ := $(patsubst %.cpp,$(BUILD)/%.o,$(SIM_SRC:%.cu=$(BUILD)/%.o))
  CUDA_LIBS := -lstdc++
  SIMFLAGS := -std=c++17 -g $(OPT) -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
              $(if $(filter 1,$(WERROR)),-Werror) -fopenmp -I. -Icore/cuda/sim -DGANC_CUDA_SIM -MMD -MP
else
  CUDA_OBJ := $(BUILD)/core/cuda/cuda_stub.o
endif

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o) $(CUDA_OBJ)
LIB64_OBJ := $(LIB_SRC:%.c=$(BUILD64)/%.o) $(BUILD64)/core/cuda/cuda_stub.o
LIB       := $(BUILD)/libganc.a
PLUGINS   := $(foreach s,$(PLUGIN_SRC),$(BUILD)/plugins/lib$(basename $(notdir $(s))).so)
TEST_PLUGINS := $(foreach s,$(TEST_PLUGIN_SRC),$(BUILD)/plugins/lib$(basename $(notdir $(s))).so)

# bin/ and lib/ hold the last variant built; relink them when the variant changes.
STAMP     := build/variant.stamp
$(shell mkdir -p build; echo "$(VARIANT)" | cmp -s - $(STAMP) || echo "$(VARIANT)" > $(STAMP))
# Every object depends on what the build detected and was told (compiler,
# flags, BLAS header), so installing OpenBLAS or changing CFLAGS rebuilds
# what was compiled without it instead of keeping stale objects.
BUILD_CONFIG := $(CC) $(CFLAGS) | $(if $(filter 1,$(CUDA)),$(NVCC) $(NVFLAGS),$(if $(filter 1,$(CUDA_SIM)),$(CXX) $(SIMFLAGS),no-cuda))
CONFIG_STAMP := $(BUILD)/config.stamp
$(shell mkdir -p $(BUILD); echo '$(subst ','\'',$(BUILD_CONFIG))' | cmp -s - $(CONFIG_STAMP) || \
        echo '$(subst ','\'',$(BUILD_CONFIG))' > $(CONFIG_STAMP))
CONFIG64_STAMP := $(BUILD64)/config.stamp
$(shell mkdir -p $(BUILD64); echo '$(subst ','\'',$(CC) $(CFLAGS) -DGANC_REAL_DOUBLE)' | cmp -s - $(CONFIG64_STAMP) || \
        echo '$(subst ','\'',$(CC) $(CFLAGS) -DGANC_REAL_DOUBLE)' > $(CONFIG64_STAMP))
LIB64     := $(BUILD64)/libganc.a
PLUGINS64 := $(PLUGINS:$(BUILD)/%=$(BUILD64)/%)
TEST_PLUGINS64 := $(TEST_PLUGINS:$(BUILD)/%=$(BUILD64)/%)

.PHONY: all deps test sim-test demo bench clean check-blas mutation-check
all: lib/libganc.a bin/ganc bin/ganc-f64 $(PLUGINS) $(PLUGINS64)

lib/libganc.a: $(LIB) $(STAMP)
	@mkdir -p lib && cp $< $@

$(BUILD)/%.o: %.c $(CONFIG_STAMP) | check-blas
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# The float64 build: CPU only, for tight gradient checks.
$(BUILD64)/%.o: %.c $(CONFIG64_STAMP) | check-blas
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DGANC_REAL_DOUBLE -c $< -o $@

ifeq ($(CUDA_SIM),1)
$(BUILD)/%.o: %.cu $(CONFIG_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) $(SIMFLAGS) -x c++ -c $< -o $@

$(BUILD)/%.o: %.cpp $(CONFIG_STAMP)
	@mkdir -p $(dir $@)
	$(CXX) $(SIMFLAGS) -c $< -o $@
else
$(BUILD)/%.o: %.cu $(CONFIG_STAMP)
	@mkdir -p $(dir $@)
	$(NVCC) $(NVFLAGS) -MMD -MP -c $< -o $@
endif

# A plugin is built per variant: its `real` must match the binary that loads it.
$(BUILD)/plugins/lib%.so: losses/plugins/%.c $(CONFIG_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -shared $< -o $@

$(BUILD)/plugins/lib%.so: tests/plugins/%.c $(CONFIG_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fPIC -shared $< -o $@

$(BUILD64)/plugins/lib%.so: losses/plugins/%.c $(CONFIG64_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DGANC_REAL_DOUBLE -fPIC -shared $< -o $@

$(BUILD64)/plugins/lib%.so: tests/plugins/%.c $(CONFIG64_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DGANC_REAL_DOUBLE -fPIC -shared $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@ && ar rcs $@ $^

$(LIB64): $(LIB64_OBJ)
	@rm -f $@ && ar rcs $@ $^

bin/ganc: $(TOOL_SRC:%.c=$(BUILD)/%.o) $(LIB) $(STAMP)
	@mkdir -p bin
	$(CC) $(LDFLAGS) $(filter %.o %.a,$^) $(LDLIBS) $(CUDA_LIBS) -o $@

# Each variant's own binary, for tests that need a given one (the simulator's).
$(BUILD)/ganc: $(TOOL_SRC:%.c=$(BUILD)/%.o) $(LIB)
	$(CC) $(LDFLAGS) $(filter %.o %.a,$^) $(LDLIBS) $(CUDA_LIBS) -o $@

bin/ganc-f64: $(TOOL_SRC:%.c=$(BUILD64)/%.o) $(LIB64) $(STAMP)
	@mkdir -p bin
	$(CC) $(LDFLAGS) $(filter %.o %.a,$^) $(LDLIBS) -o $@

# The runners load the plugins from plugins/ next to themselves.
$(BUILD)/run_tests: $(TEST_SRC:%.c=$(BUILD)/%.o) $(PREC_SRC:%.c=$(BUILD)/%.o) $(BUILD)/tests/test_main.o $(LIB) | $(PLUGINS) $(TEST_PLUGINS)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) $(CUDA_LIBS) -o $@

$(BUILD64)/run_tests: $(PREC_SRC:%.c=$(BUILD64)/%.o) $(BUILD64)/tests/test_main.o $(LIB64) | $(PLUGINS64) $(TEST_PLUGINS64)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

deps:
	@scripts/deps.sh

# Without OpenBLAS's own header the objects would compile against another
# cblas.h and the link would fail later with a less helpful message.
check-blas:
	@[ -n "$(BLAS_INC)" ] || { echo "make: OpenBLAS's cblas.h not found (/usr/include/*/openblas-*/):" \
	    "run scripts/deps.sh, or apt-get install libopenblas-dev" >&2; exit 1; }

# The CUDA backend's tests also run in the simulator (core/cuda/sim, docs/cuda.md).
SIM_BUILD := build/$(if $(filter 1,$(SAN)),san,release)-sim

test: deps
	@$(MAKE) --no-print-directory all $(BUILD)/run_tests $(BUILD64)/run_tests
	@$(MAKE) --no-print-directory CUDA_SIM=1 $(SIM_BUILD)/run_tests $(SIM_BUILD)/ganc
	@tests/run_all.sh $(BUILD) $(BUILD64) $(SIM_BUILD)

# Only the simulator's part of `make test`.
sim-test: deps
	@$(MAKE) --no-print-directory CUDA_SIM=1 $(SIM_BUILD)/run_tests $(SIM_BUILD)/ganc
	@tests/run_all.sh "" "" $(SIM_BUILD)

# The small CycleGAN on built-in data: synthetic face photos -> cartoons.
DEMO_DATA := build/faces
demo: deps
	@$(MAKE) --no-print-directory bin/ganc
	bin/ganc synth --style photo,cartoon --n 400 --size 40 --seed 1 --split train=0.9 --out $(DEMO_DATA)
	rm -rf runs/cyclegan_small
	bin/ganc train experiments/cyclegan/cyclegan_small.ini --set data.root=$(DEMO_DATA)
	bin/ganc translate --checkpoint runs/cyclegan_small/checkpoints/latest.safetensors \
	    --input $(DEMO_DATA)/testA --output runs/cyclegan_small/test_AtoB
	@echo "demo: samples in runs/cyclegan_small/samples/, test translations in runs/cyclegan_small/test_AtoB/"

bench: bin/ganc
	bin/ganc bench ops

clean:
	rm -rf build lib bin

include tests/fuzz/fuzz.mk

-include $(shell find build -name '*.d' 2>/dev/null)

# Applies each tests/mutations/*.patch in a scratch copy and requires the tests
# it names to fail (tests/mutation_check.sh); slow, so not part of `make test`.
mutation-check:
	bash tests/mutation_check.sh
