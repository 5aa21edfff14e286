# mpi.mk - pardo's MPI layer: libpardo_mpi.a, its tests, example, benchmark.
#
# Included by the Makefile when mpicc is there (or with MPI=1); uses its
# BUILD, CPPFLAGS, CFLAGS, LDFLAGS, LDLIBS and LIB_A.  Sources are found by
# wildcard, as in the Makefile:
#   mpi/*.c               libpardo_mpi.a (with include/pardo_mpi.h)
#   tests/mpi/test_*.c    MPI test programs, run by tests/mpi/run.sh
#   tests/mpi/bench_*.c   the dispatch benchmark, run by tests/mpi/bench.sh
#   examples/mpi/*.c      one program each
# Targets: mpi (library, tests, examples), mpi-check, mpi-asan, mpi-tsan,
# mpi-bench, mpi-install.  It also builds the pardo tool's MPI twin,
# pardo-mpi (cli/mpi_run.c; tests/t_cli_mpi.sh runs pardo under mpirun).
# Try it without the Makefile's help:
#   make -f Makefile -f mpi.mk mpi-check BUILD=build/mpi WERROR=-Werror

ifndef PARDO_MPI_MK
PARDO_MPI_MK := 1

MPICC   ?= mpicc
MPIRUN  ?= mpirun

MPI_SRC      := $(wildcard mpi/*.c)
MPI_OBJ      := $(MPI_SRC:%.c=$(BUILD)/%.o)
MPI_A        := $(BUILD)/libpardo_mpi.a
MPI_TESTS    := $(patsubst tests/mpi/%.c,$(BUILD)/tests/mpi/%,$(wildcard tests/mpi/test_*.c))
MPI_BENCHES  := $(patsubst tests/mpi/%.c,$(BUILD)/tests/mpi/%,$(wildcard tests/mpi/bench_*.c))
MPI_EXAMPLES := $(patsubst examples/mpi/%.c,$(BUILD)/examples/mpi/%,$(wildcard examples/mpi/*.c))
MPI_HDRS     := include/pardo.h include/pardo_mpi.h mpi/internal.h $(wildcard tests/mpi/*.h)

.PHONY: mpi mpi-check mpi-asan mpi-tsan mpi-bench mpi-install

mpi: $(MPI_A) $(MPI_TESTS) $(MPI_BENCHES) $(MPI_EXAMPLES)

# More specific than the Makefile's $(BUILD)/%.o rule, so these win.
$(BUILD)/mpi/%.o: mpi/%.c $(MPI_HDRS) mpi.mk
	@mkdir -p $(dir $@)
	$(MPICC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/mpi/%.o: tests/mpi/%.c $(MPI_HDRS) mpi.mk
	@mkdir -p $(dir $@)
	$(MPICC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/examples/mpi/%.o: examples/mpi/%.c $(MPI_HDRS) mpi.mk
	@mkdir -p $(dir $@)
	$(MPICC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# Keep the programs' objects (make would delete them as intermediate).
.SECONDARY: $(MPI_TESTS:%=%.o) $(MPI_BENCHES:%=%.o) $(MPI_EXAMPLES:%=%.o)

$(MPI_A): $(MPI_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/mpi/%: $(BUILD)/tests/mpi/%.o $(MPI_A) $(LIB_A)
	$(MPICC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/examples/mpi/%: $(BUILD)/examples/mpi/%.o $(MPI_A) $(LIB_A)
	$(MPICC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Each run of the test programs (shared memory, TCP, one rank, no helper
# thread, a killed rank) is under a time limit; "ok"/"not ok" lines.
mpi-check: $(MPI_TESTS) $(MPI_EXAMPLES)
	@MPIRUN="$(MPIRUN)" tests/mpi/run.sh $(BUILD)

# The same under the sanitizers (clang through mpicc).  Open MPI's own leaks
# and its uninstrumented threads are suppressed (tests/mpi/*.supp).
MPI_SAN_MAKE = $(MAKE) --no-print-directory -f Makefile -f mpi.mk mpi-check \
               WERROR=-Werror OPT=-O1 CC=clang MPICC="OMPI_CC=clang mpicc"
mpi-asan:
	ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/mpi/lsan.supp \
	$(MPI_SAN_MAKE) BUILD=build/mpi-asan \
	  SAN="-fsanitize=address,undefined -fno-omit-frame-pointer"
mpi-tsan:
	TSAN_OPTIONS=suppressions=$(CURDIR)/tests/mpi/tsan.supp \
	$(MPI_SAN_MAKE) BUILD=build/mpi-tsan SAN="-fsanitize=thread"

mpi-bench: $(MPI_BENCHES)
	@MPIRUN="$(MPIRUN)" tests/mpi/bench.sh $(BUILD)

# ---- the pardo tool over MPI -------------------------------------------------
# cli/mpi_run.c twice: as stubs (with PARDO_MPI_TWIN) in pardo, which then
# does not load MPI's libraries, and with MPI's headers and PARDO_HAVE_MPI
# (compiled by $(CC), like the rest of the tool) in pardo-mpi, linked with
# libpardo_mpi.a (libpardo.a after it, which it needs) and MPI's libraries.
# pardo started by mpirun execs pardo-mpi from its own folder.
ifneq ($(MPI),0)
MPI_COMPILE := $(shell $(MPICC) --showme:compile 2>/dev/null)
MPI_LINK    := $(shell $(MPICC) --showme:link 2>/dev/null)
PARDO_MPI   := $(BUILD)/pardo-mpi
all: $(PARDO_MPI)
$(BUILD)/cli/mpi_run.o: CPPFLAGS += -DPARDO_MPI_TWIN
$(BUILD)/cli/mpi_run_mpi.o: cli/mpi_run.c $(wildcard include/*.h cli/*.h) mpi.mk Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DPARDO_HAVE_MPI $(MPI_COMPILE) $(CFLAGS) -c -o $@ $<
$(PARDO_MPI): $(BUILD)/cli/main.o $(filter-out $(BUILD)/cli/mpi_run.o,$(CLI_OBJ)) \
              $(BUILD)/cli/mpi_run_mpi.o $(MPI_A) $(LIB_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(UTF8PROC_LIBS) $(ARCHIVE_LIBS) $(MPI_LINK) $(LDLIBS)
endif

mpi-install: $(MPI_A) $(PARDO_MPI)
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(PARDO_MPI) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 include/pardo_mpi.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(MPI_A) $(DESTDIR)$(PREFIX)/lib/

endif
