# dusk — build with `make`, test with `make test`, install Debian deps with `make deps`.
#
# BUILD selects the output folder; SANITIZE=1 builds with ASan+UBSan.

CC       ?= gcc
BUILD    ?= build
SANITIZE ?= 0

BLAS_INC := /usr/include/x86_64-linux-gnu/openblas-openmp
BLAS_LIB := /usr/lib/x86_64-linux-gnu/openblas-openmp

# OPT is the optimisation level; the rest of CFLAGS is not meant to be overridden.
OPT      ?= -O2 -march=native -fvect-cost-model=dynamic -g
CFLAGS   := $(OPT) -std=c11 -Wall -Wextra -fopenmp -Isrc -I$(BLAS_INC) -MMD -MP -D_GNU_SOURCE $(EXTRA_CFLAGS)
LDLIBS   := -L$(BLAS_LIB) -Wl,-rpath,$(BLAS_LIB) -lopenblas -lcjson -lpcre2-8 -lutf8proc -lz -lcrypto -lm
LDFLAGS  += -fopenmp

ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC  := $(filter-out src/cli/main.c,$(shell find src -name '*.c' | sort))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(sort $(wildcard bench/*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all test deps clean fuzz bench run install uninstall

PREFIX  ?= /usr/local

all: $(BUILD)/dusk $(TEST_BIN) $(BENCH_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

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
	rm -rf build build-san build-fuzz

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/cli/main.d
