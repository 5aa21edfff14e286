# pardo - parallel processing that does not have to be difficult.
#
# Targets: all (libpardo + the pardo tool + examples), test, stress, asan,
# tsan, ubsan, valgrind, fuzz, bench, run, install, compdb, format-check, clean.
# Sources are found by wildcard, so adding a file needs no edit here:
#   src/*.c          libpardo (knows nothing of texts)
#   cli/*.c          the pardo tool (cli/main.c holds main())
#   tests/test_*.c   one unit-test program each, linked with libpardo and cli/
#   tests/t_*.sh     shell tests of the tool
#   examples/*.c     one program each
# pardo report inlines the chart libraries (vega, vega-lite, vega-embed),
# which the build fetches from the npm registry into npm/ (git-ignored) at
# the exact versions of VEGA_PKGS, and cli/report/ (the page's own script,
# style and frame); cli/report_assets.S puts them all into the binary.

PREFIX  ?= /usr/local
BUILD   ?= build
CC      ?= cc
OPT     ?= -O2
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Wcast-qual
# -Werror only where we test, never in a user's build.
WERROR  ?=
SAN     ?=
CPPFLAGS += -Iinclude -D_GNU_SOURCE
CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=c11 -pthread -fPIC $(WARN) $(WERROR) $(SAN)
LDFLAGS += -pthread $(SAN)
UTF8PROC_LIBS = -lutf8proc
ARCHIVE_LIBS  = -larchive
LDLIBS  += -lm

VERSION := $(shell sed -n 's/^#define PARDO_VERSION "\(.*\)"/\1/p' include/pardo.h)

LIB_SRC  := $(wildcard src/*.c)
CLI_SRC  := $(filter-out cli/main.c,$(wildcard cli/*.c))
TEST_SRC := $(wildcard tests/test_*.c)
TEST_AUX := $(filter-out $(TEST_SRC),$(wildcard tests/*.c))
EX_SRC   := $(wildcard examples/*.c)

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o) $(BUILD)/cli/report_assets.o
AUX_OBJ  := $(TEST_AUX:%.c=$(BUILD)/%.o)
LIB_A    := $(BUILD)/libpardo.a
LIB_SO   := $(BUILD)/libpardo.so
PARDO    := $(BUILD)/pardo
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
EXAMPLES := $(EX_SRC:examples/%.c=$(BUILD)/examples/%)

.PHONY: all lib test check tests stress asan tsan ubsan valgrind fuzz bench run install \
        uninstall deps npm-deps test-deps bench-deps run-deps compdb format-check clean man

all: $(LIB_A) $(LIB_SO) $(PARDO) $(EXAMPLES)
lib: $(LIB_A)

$(BUILD)/%.o: %.c $(wildcard include/*.h src/*.h cli/*.h tests/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# ---- the report's chart libraries, from the npm registry ------------------------
NPM_DIR   = npm
VEGA_PKGS = vega@6.4.0 vega-lite@6.5.0 vega-embed@7.3.0
VEGA_JS   = $(NPM_DIR)/node_modules/vega/build/vega.min.js \
            $(NPM_DIR)/node_modules/vega-lite/build/vega-lite.min.js \
            $(NPM_DIR)/node_modules/vega-embed/build/vega-embed.min.js
NPM_STAMP = $(NPM_DIR)/.installed-$(subst @,-,$(subst $(subst ,, ),_,$(VEGA_PKGS)))

$(NPM_STAMP):
	@command -v npm >/dev/null || $(MAKE) --no-print-directory npm-deps
	rm -rf $(NPM_DIR) && mkdir -p $(NPM_DIR)
	cd $(NPM_DIR) && echo '{"private":true}' > package.json && \
	  npm install --no-audit --no-fund --ignore-scripts --save-exact $(VEGA_PKGS) >/dev/null
	@for f in $(VEGA_JS); do test -s $$f || { echo "npm: $$f missing" >&2; exit 1; }; done
	touch $@

$(BUILD)/cli/report_assets.o: cli/report_assets.S $(NPM_STAMP) $(wildcard cli/report/*)
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libpardo.so.0 $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(PARDO): $(BUILD)/cli/main.o $(CLI_OBJ) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(UTF8PROC_LIBS) $(ARCHIVE_LIBS) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(AUX_OBJ) $(CLI_OBJ) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(UTF8PROC_LIBS) $(ARCHIVE_LIBS) $(LDLIBS)

$(BUILD)/examples/%: $(BUILD)/examples/%.o $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# ---- MPI (mpi.mk): when mpicc is found, or MPI=1; MPI=0 turns it off -------
# With MPI the pardo tool runs under mpirun too, as its twin pardo-mpi
# (cli/mpi_run.c built with MPI's headers and PARDO_HAVE_MPI); pardo itself
# and a build without MPI get the same file's stubs of a one-process run.
# The stamp rebuilds it when MPI changes in a build folder.
MPI ?= $(if $(shell command -v mpicc 2>/dev/null),1,0)
ifeq ($(MPI),1)
include mpi.mk
all: $(MPI_A) $(MPI_EXAMPLES)
install: mpi-install
endif
$(BUILD)/cli/mpi_run.o: $(BUILD)/.mpi-$(MPI)
$(BUILD)/.mpi-%:
	@mkdir -p $(dir $@) && rm -f $(BUILD)/.mpi-* && touch $@

# ---- dependencies: installed from Debian when missing ----------------------
APT = env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq
define need_pkgs
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null \
	  | grep -q 'ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO $(APT) $$missing >/dev/null; fi
endef
BUILD_PKGS = build-essential libutf8proc-dev libarchive-dev pkg-config
TEST_PKGS  = $(BUILD_PKGS) python3 python3-biopython clang libclang-rt-14-dev procps gawk openmpi-bin libopenmpi-dev \
             chromium ripgrep git strace gzip bzip2 xz-utils zstd
BENCH_PKGS = $(TEST_PKGS) libomp-dev parallel python3
RUN_PKGS   = $(BUILD_PKGS) bible-kjv

deps: npm-deps ; $(call need_pkgs,$(BUILD_PKGS))
# Debian's npm, only when no npm is on the PATH: a nodejs from elsewhere
# (NodeSource) brings its own npm and conflicts with Debian's.
npm-deps:   ; $(if $(shell command -v npm 2>/dev/null),@true,$(call need_pkgs,npm))
test-deps: npm-deps ; $(call need_pkgs,$(TEST_PKGS))
bench-deps: npm-deps ; $(call need_pkgs,$(BENCH_PKGS))
run-deps: npm-deps ; $(call need_pkgs,$(RUN_PKGS))

# ---- tests -----------------------------------------------------------------
# `make test` installs what is missing, builds with -Werror, runs every unit
# test and shell test, then the whole suite again under ThreadSanitizer.
test: test-deps
	$(MAKE) --no-print-directory check BUILD=build/test WERROR=-Werror
	$(MAKE) --no-print-directory tsan
	$(MAKE) --no-print-directory MPI=1 mpi-check BUILD=build/test WERROR=-Werror || true
	@tests/summary.sh build/test/results build/tsan/results build/test/mpi-results

check: all $(TESTS)
	@tests/run.sh $(BUILD)

# Builds what check runs, without running it.
tests: all $(TESTS)

# `make stress`: the whole suite of make test (the -Werror build, the TSan
# build, MPI) STRESS times in a row (default 5), built once; STRESS_LOAD=1
# runs two busy loops beside it for the whole run, as a loaded CI machine
# would.  Every failure is shown with its details, round by round, and the
# last line counts them (tests/stress.sh).
STRESS      ?= 5
STRESS_LOAD ?= 0
TSAN_VARS = BUILD=build/tsan WERROR=-Werror OPT=-O1 SAN="-fsanitize=thread" CC=clang \
            PARDO_SAN=thread MPICC="OMPI_CC=clang mpicc"
stress: test-deps
	$(MAKE) --no-print-directory tests BUILD=build/test WERROR=-Werror
	$(MAKE) --no-print-directory tests $(TSAN_VARS)
	$(MAKE) --no-print-directory MPI=1 mpi BUILD=build/test WERROR=-Werror
	@STRESS=$(STRESS) STRESS_LOAD=$(STRESS_LOAD) tests/stress.sh build/test build/tsan

# MPICC: libpardo_mpi.a, linked into pardo, is built by the same compiler.
asan:
	$(MAKE) --no-print-directory check BUILD=build/asan WERROR=-Werror OPT=-O1 \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" \
	  CC=clang MPICC="OMPI_CC=clang mpicc"

tsan:
	$(MAKE) --no-print-directory check $(TSAN_VARS)

ubsan:
	$(MAKE) --no-print-directory check BUILD=build/ubsan WERROR=-Werror \
	  SAN="-fsanitize=undefined -fno-sanitize-recover=undefined"

valgrind: all $(TESTS)
	@VALGRIND="valgrind -q --error-exitcode=99 --leak-check=full" tests/run.sh $(BUILD)

fuzz: test-deps
	@tests/fuzz/run.sh $${FUZZ_SECONDS:-60}

# ---- the main job and benchmarks ---------------------------------------------
run: run-deps
	$(MAKE) --no-print-directory all
	@bench/run-sample.sh $(BUILD)/pardo

bench: bench-deps
	$(MAKE) --no-print-directory all $(if $(filter 1,$(MPI)),mpi)
	@bench/bench.sh $(BUILD)

# ---- install -----------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 include/pardo.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/libpardo.so.0
	ln -sf libpardo.so.0 $(DESTDIR)$(PREFIX)/lib/libpardo.so
	install -m 755 $(PARDO) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 doc/pardo.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' pardo.pc.in \
	  > $(DESTDIR)$(PREFIX)/lib/pkgconfig/pardo.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/pardo.h $(DESTDIR)$(PREFIX)/lib/libpardo.* \
	  $(DESTDIR)$(PREFIX)/bin/pardo $(DESTDIR)$(PREFIX)/bin/pardo-mpi \
	  $(DESTDIR)$(PREFIX)/share/man/man1/pardo.1 \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/pardo.pc

man: $(PARDO)
	$(PARDO) --man > doc/pardo.1

compdb:
	bear -- $(MAKE) -B all

format-check:
	clang-format --dry-run --Werror include/*.h src/*.c src/*.h

clean:
	rm -rf build
