# leakstop - see README.md
#
#   make                  build $(BUILD)/leakstop and $(BUILD)/rules.db
#   make install          install under $(PREFIX) (default /usr/local)
#   make test             whole suite, normal and ASan+UBSan builds
#   make test-sanitize    the suite on the ASan+UBSan build only
#   make clean

PREFIX ?= /usr/local
BUILD ?= build
SAN ?= 0

PKGS = libgit2 libhs inih libpcre2-8 nettle zlib
CC ?= cc

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla
ifeq ($(SAN),1)
OPT = -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all
else
OPT = -O2 -g -D_FORTIFY_SOURCE=2
endif
CFLAGS_ALL = -std=c11 -D_DEFAULT_SOURCE -pthread $(OPT) $(WARN) \
	-fstack-protector-strong -MMD -MP -Isrc \
	$(shell pkg-config --cflags $(PKGS)) $(CFLAGS)
LDFLAGS_ALL = -pthread $(OPT) $(LDFLAGS)
LIBS = $(shell pkg-config --libs $(PKGS)) -lm

# The release binary links Debian's static libraries: a hook lives for
# milliseconds, and loading shared libraries (libstdc++, OpenSSL and
# Kerberos; their relocations above all) was a third of its run time.
# It is not position-independent, so the loader relocates nothing of it.
# ASan builds stay dynamic. libgit2's TLS and SSH set-up is skipped
# through --wrap, and its Kerberos calls have stand-ins (src/nonet.c):
# Debian has no static Kerberos library, and leakstop opens no
# connection.
ifeq ($(SAN),1)
STATIC ?= 0
else
STATIC ?= 1
endif
ifeq ($(STATIC),1)
CFLAGS_ALL += -DLS_STATIC
LDFLAGS_ALL += -no-pie
LIBS = -Wl,--wrap=git_mbedtls_stream_global_init -Wl,--wrap=libssh2_init \
	-Wl,-Bstatic \
	$(filter-out -lrt -lm -lgcc_s -lgcc -lc,$(shell pkg-config --static \
		--libs $(PKGS))) -lcrypto -Wl,-Bdynamic -lrt -lpthread -lm
endif

SRC = $(sort $(wildcard src/*.c))
OBJ = $(SRC:src/%.c=$(BUILD)/obj/%.o)
LIB_OBJ = $(filter-out $(BUILD)/obj/main.o,$(OBJ))
GEN_OBJ = $(BUILD)/obj/gen_patterns.o $(BUILD)/obj/gen_hooks.o
PATTERNS = $(sort $(wildcard patterns/*.ini))
HOOKS = $(sort $(wildcard hook/*))
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

all: $(BUILD)/leakstop $(BUILD)/rules.db

$(BUILD)/leakstop: $(OBJ) $(GEN_OBJ)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LIBS)

# The database is compiled once, here, from the same rule text the
# binary carries; the hook only loads it.
$(BUILD)/rules.db: $(BUILD)/leakstop
	$(BUILD)/leakstop rebuild -o $@

$(BUILD)/obj/%.o: src/%.c | $(BUILD)/obj
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/obj/gen_%.o: $(BUILD)/gen/%.c | $(BUILD)/obj
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/gen/patterns.c: $(PATTERNS) $(BUILD)/embed | $(BUILD)/gen
	$(BUILD)/embed ls_builtin_patterns $@ $(PATTERNS)

$(BUILD)/gen/hooks.c: $(HOOKS) $(BUILD)/embed | $(BUILD)/gen
	$(BUILD)/embed ls_builtin_hooks $@ $(HOOKS)

$(BUILD)/embed: tools/embed.c | $(BUILD)
	$(CC) -std=c11 -O2 $(WARN) -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ) $(GEN_OBJ) | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -Itests/unit $(LDFLAGS_ALL) -o $@ $< \
		$(LIB_OBJ) $(GEN_OBJ) $(LIBS)

unit: $(UNIT_BIN)

$(BUILD) $(BUILD)/obj $(BUILD)/gen $(BUILD)/tests:
	mkdir -p $@

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/leakstop \
		$(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 docs/leakstop.1 $(DESTDIR)$(PREFIX)/share/man/man1/leakstop.1
	install -m 0755 $(BUILD)/leakstop $(DESTDIR)$(PREFIX)/bin/leakstop
	install -m 0644 $(BUILD)/rules.db \
		$(DESTDIR)$(PREFIX)/lib/leakstop/rules.db

test:
	tests/run.sh normal detect sanitize fuzz

# Speed beside git, git-secrets and secretlint, and detection quality;
# timings are shown here, never asserted in `make test`.
bench: install-stage
	bench/perf/setup.sh
	bench/perf/run.sh $(CURDIR)/$(BUILD)/stage/bin/leakstop
	bench/perf/throughput.sh $(CURDIR)/$(BUILD)/stage/bin/leakstop
	bench/detect/run.sh $(CURDIR)/$(BUILD)/stage/bin/leakstop

install-stage: all
	$(MAKE) install PREFIX=$(CURDIR)/$(BUILD)/stage

# libFuzzer builds of every parser (clang); `make fuzz-run` runs each
# for FUZZ_SECONDS (default 600) and keeps new corpus entries.
FUZZ_SECONDS ?= 600
fuzz:
	fuzz/build.sh

fuzz-run: fuzz
	fuzz/run.sh -t $(FUZZ_SECONDS)

test-sanitize:
	tests/run.sh sanitize

clean:
	rm -rf build build-san

.PHONY: all install test test-sanitize unit clean fuzz fuzz-run bench install-stage

-include $(OBJ:.o=.d) $(GEN_OBJ:.o=.d)
