# untangle: a teaching shell for deep learning on MNIST.
#
#   make          build ./untangle
#   make lab      install what is missing, fetch MNIST, build, replay the lessons
#   make check    the same set-up, then every test (unit tests and lesson replays)
#   make check SAN=1   the same under AddressSanitizer and UndefinedBehaviorSanitizer
#   make bench    speed beside PyTorch and scikit-learn, printed as ratios
#   make fuzz     each fuzz target for FUZZ_SECONDS (60); make valgrind
#   make pot      po/untangle.pot from the sources (xgettext), po/fr.po merged with it
#   make deps | data | clean

PKGS    := readline libpng zlib openblas lapack chafa cairo libcmark nettle fftw3f libgif
CC      ?= cc
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

VERSION := 0.1.0
# WERROR=0 keeps the warnings but lets them through (CI keeps the default, 1).
WERROR  ?= 1
WARN    := -Wall -Wextra -Wshadow $(if $(filter 1,$(WERROR)),-Werror)
OPT     ?= -O2 -g

# The build's own flags come first and the user's CFLAGS, CPPFLAGS and LDFLAGS
# last, so that `make CFLAGS=-O0` changes the level and keeps the rest.
# SAN=1: AddressSanitizer and UndefinedBehaviorSanitizer (build-san). FUZZ=1: the
# libFuzzer build of `make fuzz` (clang, build-fuzz; warnings do not stop it, so
# that a new warning in a module does not keep its reader from being fuzzed).
# Both come before ALL_CFLAGS so that their OPT is the one compiled with.
SAN_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
ifeq ($(SAN),1)
BUILD   := build-san
OPT     := -O1 -g
MODE_CFLAGS := $(SAN_CFLAGS)
MODE_LDFLAGS := -fsanitize=address,undefined
else ifeq ($(FUZZ),1)
BUILD   := build-fuzz
CC      := clang
OPT     := -O1 -g
MODE_CFLAGS := -fsanitize=fuzzer-no-link -fsanitize-coverage-ignorelist=tests/fuzz/nocov.txt $(SAN_CFLAGS)
WARN    := -Wall -Wextra -Wshadow
MODE_LDFLAGS := -fsanitize=address,undefined
else
BUILD   := build
endif
PREFIX  ?= /usr/local
LOCALEDIR ?= $(PREFIX)/share/locale
# x86-64-v2 (SSE4.2, POPCNT) as the floor on x86-64 only; the wider kernels are
# chosen at run time (src/nn/kernels.c). MARCH= builds for the compiler's default.
MARCH   ?= $(if $(filter x86_64-%,$(shell $(CC) -dumpmachine 2>/dev/null)),-march=x86-64-v2)
# -ffp-contract=off: a*b+c is never fused behind the code's back (GCC's ISO mode
# already does so; clang fuses by default), so that every kernel path and every
# compiler gives the same bits. Clang's debug info as DWARF 4, which valgrind reads.
FP_CFLAGS := -ffp-contract=off $(if $(findstring clang,$(CC)),-gdwarf-4)
ALL_CFLAGS  := -std=c11 -D_GNU_SOURCE $(OPT) $(MARCH) $(FP_CFLAGS) $(MODE_CFLAGS) $(WARN) -Iinclude \
	-DUNTANGLE_VERSION='"$(VERSION)"' \
	-DUNTANGLE_LOCALEDIR='"$(LOCALEDIR)"' $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS := $(MODE_LDFLAGS) $(LDFLAGS)
LDLIBS  := $(PKG_LIBS) -lpthread -lm

LIB_SRC  := $(sort $(shell find src -name '*.c' ! -name main.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/src/main.o
TEST_SRC := $(sort $(wildcard tests/check_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BIN      := $(if $(filter 1,$(SAN)),$(BUILD)/untangle,untangle)

LAB_LANG ?= $(if $(filter fr%,$(LANG)),fr,en)

# Translations: po/LANG.po compiled to BUILD/locale/LANG/LC_MESSAGES/untangle.mo,
# where the binary finds it beside itself (see include/untangle/core/i18n.h).
PO_LANGS := fr
MO_FILES := $(PO_LANGS:%=$(BUILD)/locale/%/LC_MESSAGES/untangle.mo)

.PHONY: all deps deps-bench deps-check data lab check check-san-pass unit-tests bench fuzz fuzz-targets fuzz-seeds valgrind clean pot install

all: $(BIN) $(MO_FILES)

$(BUILD)/locale/%/LC_MESSAGES/untangle.mo: po/%.po
	@mkdir -p $(dir $@)
	@echo "  MSGFMT $<"
	@msgfmt --check -o $@ $<

# The message catalogue's template, from every _() and N_() in src/; each
# translation is then merged with it (new messages come in untranslated, which
# tests/i18n.sh reports).
pot:
	@xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=C_:1c,2 \
		--add-comments=TRANSLATORS: --package-name=untangle --package-version=$(VERSION) \
		--msgid-bugs-address="see README.md" --sort-by-file -o po/untangle.pot $(sort $(shell find src include -name '*.[ch]'))
	@for l in $(PO_LANGS); do msgmerge --quiet --update --backup=none --no-fuzzy-matching po/$$l.po po/untangle.pot; done
	@echo "po/untangle.pot: $$(grep -c '^msgid ' po/untangle.pot) messages"

install: all
	install -D -m 755 untangle $(DESTDIR)$(PREFIX)/bin/untangle
	for l in $(PO_LANGS); do install -D -m 644 $(BUILD)/locale/$$l/LC_MESSAGES/untangle.mo \
		$(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/untangle.mo; done

$(BIN): $(MAIN_OBJ) $(BUILD)/libuntangle.a
	@echo "  LD $@"
	@$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libuntangle.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

# The fuzz build's objects also depend on the list of what its coverage leaves out.
$(BUILD)/%.o: %.c $(if $(filter 1,$(FUZZ)),tests/fuzz/nocov.txt)
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/%.c tests/testutil.h tests/testshell.h tests/testpty.h tests/tsne_fixtures.h $(BUILD)/libuntangle.a
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Itests -MMD -MP -o $@ $< $(BUILD)/libuntangle.a $(ALL_LDFLAGS) $(CHECK_LIBS) $(LDLIBS)

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_BIN:=.d)

# Debian packages (apt-get as root or through sudo; otherwise prints the line to run).
deps:
	@sh scripts/deps.sh

# Tests also open the HTML report in a real browser: Debian's chromium.
deps-check:
	@UNTANGLE_EXTRA_PKGS=chromium sh scripts/deps.sh

# The four MNIST IDX files in data/mnist/, checked against data/SHA256SUMS.
data:
	@sh data/fetch-mnist.sh

# The lab: every lesson in order, pausing for the class on a terminal.
lab: deps data
	@$(MAKE) --no-print-directory all
	./untangle --step lessons/$(LAB_LANG)/*.md

# Sanitizer settings for test runs: stop at the first report, look for leaks;
# tests/lsan.supp silences only the caches external libraries keep. No test needs
# one allocation of 2 GiB: a larger one is a missing size check, reported at once
# instead of touching gigabytes. UNTANGLE_SANITIZED tells the shell tests not to
# use ulimit -v (AddressSanitizer reserves terabytes of address space).
SAN_ENV := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:max_allocation_size_mb=2048 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	UNTANGLE_SANITIZED=1

# Every test: unit tests per module, then the command-line tests, lesson replays,
# bad inputs, interrupts and valgrind. A plain `make check` then runs the unit
# tests, bad inputs and interrupts again under the sanitizers (in $(BUILD)-san),
# so that CI, which runs `make check`, runs the sanitizer build too;
# `make check SAN=1` runs everything under them.
check: deps-check data
	@$(MAKE) --no-print-directory unit-tests
	@$(if $(filter 1,$(SAN)),$(SAN_ENV)) BUILD=$(BUILD) UNTANGLE=./$(BIN) sh tests/run.sh $(TEST_BIN)
ifneq ($(SAN),1)
	@echo
	@echo "== the same under AddressSanitizer and UndefinedBehaviorSanitizer ($(BUILD)-san)"
	@$(MAKE) --no-print-directory SAN=1 BUILD=$(BUILD)-san BIN=$(BUILD)-san/untangle check-san-pass
endif

# The sanitizer pass of a plain `make check`: the unit tests, the bad inputs and
# the interrupts on the $(BUILD)-san binaries. The lesson replays of tests/cli.sh
# take minutes under the sanitizers: `make check SAN=1` runs them.
check-san-pass: unit-tests
	@$(SAN_ENV) BUILD=$(BUILD) UNTANGLE=./$(BIN) \
		UNTANGLE_SCRIPTS="tests/bad_inputs.sh tests/interrupt.sh" sh tests/run.sh $(TEST_BIN)

unit-tests: $(BIN) $(MO_FILES) $(TEST_BIN)

# The other side of each comparison (PyTorch, scikit-learn) comes from Debian's
# packages too, installed here when missing, so that no ratio is skipped.
deps-bench:
	@UNTANGLE_EXTRA_PKGS="python3-numpy python3-torch python3-sklearn" sh scripts/deps.sh

bench: deps-bench data
	@$(MAKE) --no-print-directory all
	@sh bench/run.sh

# Fuzzing with libFuzzer: each target of tests/fuzz/ for FUZZ_SECONDS from its
# seed corpus; crashes land in $(FUZZ_BUILD)/crashes/ (see tests/fuzz/run.sh).
FUZZ_TARGETS := cmd line lesson idx png model progress
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60

fuzz:
	@$(MAKE) --no-print-directory FUZZ=1 BUILD=$(FUZZ_BUILD) fuzz-targets
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(FUZZ_TARGETS)

fuzz-targets: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h tests/fuzz/fuzz_util.h $(BUILD)/libuntangle.a
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(ALL_CFLAGS) -DFUZZ_LIBFUZZER -fsanitize=fuzzer -o $@ $< $(BUILD)/libuntangle.a $(ALL_LDFLAGS) $(LDLIBS)

# Rewrites the binary seeds (IDX, PNG and model files) from tests/fuzz/seedgen.c.
fuzz-seeds: $(BUILD)/libuntangle.a
	@mkdir -p $(BUILD)/fuzz
	@$(CC) $(ALL_CFLAGS) -o $(BUILD)/fuzz/seedgen tests/fuzz/seedgen.c $(BUILD)/libuntangle.a $(ALL_LDFLAGS) $(LDLIBS)
	@$(BUILD)/fuzz/seedgen tests/fuzz/seeds

# valgrind on a lesson replay and a short session (also part of `make check`).
valgrind: $(BIN)
	@UNTANGLE=./$(BIN) sh tests/valgrind.sh

clean:
	rm -rf build build-san build-fuzz untangle
