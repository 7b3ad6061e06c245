# dusk — build with `make`, test with `make test`, install Debian deps with `make deps`.
#
# BUILD selects the output folder; SANITIZE=1 builds with ASan+UBSan.
# CUDA=1 adds the CUDA kernels (src/ops/cuda/*.cu, nvcc + cuBLAS) in build-cuda/.

CC       ?= gcc
CUDA     ?= 0
ifeq ($(CUDA),1)
BUILD    ?= build-cuda
endif
BUILD    ?= build
SANITIZE ?= 0

BLAS_INC := /usr/include/x86_64-linux-gnu/openblas-openmp
BLAS_LIB := /usr/lib/x86_64-linux-gnu/openblas-openmp

# OPT is the optimisation level; the rest of CFLAGS is not meant to be overridden.
OPT      ?= -O2 -march=native -fvect-cost-model=dynamic -g
CFLAGS   := $(OPT) -std=c11 -fno-math-errno -Wall -Wextra -fopenmp -Isrc -I$(BLAS_INC) -MMD -MP -D_GNU_SOURCE $(EXTRA_CFLAGS)
LDLIBS   := -L$(BLAS_LIB) -Wl,-rpath,$(BLAS_LIB) -lopenblas -lcjson -lpcre2-8 -lutf8proc -lz -lcrypto -lm
LDFLAGS  += -fopenmp

ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC  := $(filter-out src/cli/main.c,$(shell find src -name '*.c' | sort))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)

# The CUDA backend exists only in the CUDA=1 build: its host code lives in .cu
# files, so the default build never sees a CUDA header.
ifeq ($(CUDA),1)
CUDA_HOME ?= /usr/local/cuda
NVCC      ?= $(CUDA_HOME)/bin/nvcc
CUDA_ARCH ?= 90
NVCCFLAGS := -O2 -std=c++17 -Isrc -DDUSK_CUDA -gencode arch=compute_$(CUDA_ARCH),code=[sm_$(CUDA_ARCH),compute_$(CUDA_ARCH)] \
             -Xcompiler -Wall,-Wextra $(EXTRA_NVCCFLAGS)
CFLAGS    += -DDUSK_CUDA
LDLIBS    += -L$(CUDA_HOME)/lib64 -Wl,-rpath,$(CUDA_HOME)/lib64 -lcublas -lcudart -lstdc++
CU_SRC    := $(shell find src -name '*.cu' | sort)
CU_OBJ    := $(CU_SRC:%.cu=$(BUILD)/%.cu.o)
LIB_OBJ   += $(CU_OBJ)
CUDA_TEST := $(BUILD)/tests/test_cuda_ops
endif
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all test deps clean fuzz bench run install uninstall

PREFIX  ?= /usr/local

all: $(BUILD)/dusk $(TEST_BIN) $(BENCH_BIN) $(CUDA_TEST)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/%.cu.o: %.cu
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCCFLAGS) -MMD -MP -MF $(@:.o=.d) -c $< -o $@

# CPU-vs-CUDA kernel checks (CUDA=1 only; exits 77 with a SKIP line without a device).
$(BUILD)/tests/test_cuda_ops: tests/cuda/test_cuda_ops.c $(BUILD)/libdusk.a tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $< $(BUILD)/libdusk.a $(LDFLAGS) $(LDLIBS) -o $@

$(BUILD)/libdusk.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/dusk: $(BUILD)/src/cli/main.o $(BUILD)/libdusk.a
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libdusk.a tests/unit/check.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $< $(BUILD)/libdusk.a $(LDFLAGS) $(LDLIBS) -o $@

$(BUILD)/bench/%: bench/%.c $(BUILD)/libdusk.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< $(BUILD)/libdusk.a $(LDFLAGS) $(LDLIBS) -o $@

# The whole suite: normal build, then the same suite under ASan+UBSan.
test:
	$(MAKE) all
	$(MAKE) all BUILD=build-san SANITIZE=1 OPT="-O1 -g"
	bash tests/run_all.sh

run: all
	./$(BUILD)/dusk run

bench: all
	bash bench/run_all.sh

# libFuzzer targets (clang). FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
fuzz:
	bash tests/fuzz/run_fuzz.sh $(FUZZ_SECONDS)

deps:
	bash .ci/deps.sh

# `make install` puts dusk on the PATH (PREFIX, DESTDIR as usual). Nothing it
# needs at run time is looked up relative to the working directory.
install: $(BUILD)/dusk
	install -D -m 755 $(BUILD)/dusk $(DESTDIR)$(PREFIX)/bin/dusk

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/dusk

clean:
	rm -rf build build-san build-fuzz build-cuda build-portable

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/cli/main.d
