# Dataland: one entry point for build, test, run, install, bench, fuzz.
#
#   make            build/bin/{dataland,dataland-agent,dataland-auth}
#   make SAN=1      the same under ASan+UBSan in build/san/
#   make test       dependencies, sanitizer build, every suite
#   make run        the whole stack on https://127.0.0.1:$(HTTPS_PORT)
#   make bench      load figures (printed, never asserted)
#   make fuzz       every libFuzzer target for FUZZ_SECONDS each
#   make install PREFIX=/usr/local

-include Makefile.local

PREFIX		?= /usr/local
HTTPS_PORT	?= 8443
FUZZ_SECONDS	?= 60
# libcurl is linked only into what uses it (the agent's remote model
# provider), never into the core.
PKGS		 = fcgi libpq json-c libargon2 openssl libsystemd
CURL_CFLAGS	:= $(shell pkg-config --cflags libcurl 2>/dev/null)
CURL_LIBS	:= $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)

CC		?= cc
CSTD		 = -std=c11 -D_GNU_SOURCE
WARN		 = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
		   -Wmissing-prototypes -Wvla -Wwrite-strings -Wformat=2
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# Debian's libfcgi ships no .pc file everywhere; fall back to -lfcgi.
ifeq ($(findstring -lfcgi,$(PKG_LIBS)),)
PKG_CFLAGS	:= $(shell pkg-config --cflags libpq json-c libargon2 openssl libsystemd 2>/dev/null)
PKG_LIBS	:= -lfcgi $(shell pkg-config --libs libpq json-c libargon2 openssl libsystemd 2>/dev/null)
endif
CFLAGS		?= -O2 -g
# fcgi/core first: json-c's own json.h must not shadow ours.
ALL_CFLAGS	 = -Ifcgi/core $(CSTD) $(WARN) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP
LDLIBS		 = $(PKG_LIBS) -lm

ifeq ($(SAN),1)
BUILD		?= build/san
ALL_CFLAGS	+= -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer
LDFLAGS		+= -fsanitize=address,undefined
else
BUILD		?= build
endif

# The shared runtime: FastCGI, HTTP, JSON, PostgreSQL; never a table.
CORE_OBJS += fcgi/core/arena.o
CORE_OBJS += fcgi/core/conf.o
CORE_OBJS += fcgi/core/db.o
CORE_OBJS += fcgi/core/err.o
CORE_OBJS += fcgi/core/health.o
CORE_OBJS += fcgi/core/json.o
CORE_OBJS += fcgi/core/log.o
CORE_OBJS += fcgi/core/metrics.o
CORE_OBJS += fcgi/core/mono.o
CORE_OBJS += fcgi/core/notify.o
CORE_OBJS += fcgi/core/num.o
CORE_OBJS += fcgi/core/prefork.o
CORE_OBJS += fcgi/core/records.o
CORE_OBJS += fcgi/core/req.o
CORE_OBJS += fcgi/core/route.o
CORE_OBJS += fcgi/core/ucase.o
CORE_OBJS += fcgi/core/worker.o
CORE_LISTED := $(CORE_OBJS)
CORE_OBJS += $(filter-out $(CORE_LISTED),$(patsubst %.c,%.o,$(wildcard fcgi/core/*.c)))

# Each service is a library of its files plus main.o, so that tests
# can link the repositories without the process entry point.
AGENT_OBJS	 = $(patsubst %.c,%.o,$(filter-out fcgi/agent/main.c,$(wildcard fcgi/agent/*.c fcgi/agent/*/*.c)))
AUTH_OBJS	 = $(patsubst %.c,%.o,$(filter-out fcgi/auth/main.c,$(wildcard fcgi/auth/*.c)))
CLI_OBJS	 = $(patsubst %.c,%.o,$(filter-out fcgi/cli/main.c,$(wildcard fcgi/cli/*.c)))
# The migrations are compiled into the CLI so an installed binary needs
# no sql/ directory beside it.
MIGRATIONS	 = $(sort $(wildcard sql/migrations/*.sql))

LIBCORE		 = $(BUILD)/lib/libcore.a
LIBAGENT	 = $(BUILD)/lib/libagent.a
LIBAUTH		 = $(BUILD)/lib/libauth.a
LIBCLI		 = $(BUILD)/lib/libcli.a
BINS		 = $(BUILD)/bin/dataland $(BUILD)/bin/dataland-agent \
		   $(BUILD)/bin/dataland-auth

UNIT_BINS	 = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/t_*.c))
INTEG_BINS	 = $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(wildcard tests/integration/i_*.c))
TEST_LIB_OBJS	 = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/lib/*.c))
TEST_APPS	 = $(patsubst tests/e2e/apps/%.c,$(BUILD)/tests/%,$(wildcard tests/e2e/apps/*.c))

FUZZ_DIR	 = build/fuzz
FUZZ_BINS	 = $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard tests/fuzz/fz_*.c))
FUZZ_CFLAGS	 = -Ifcgi/core $(CSTD) $(WARN) -O1 -g $(PKG_CFLAGS) \
		   -fsanitize=fuzzer-no-link,address,undefined \
		   -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CORE_OBJS	 = $(addprefix $(FUZZ_DIR)/,$(CORE_OBJS))

.PHONY: all deps test test-build run bench fuzz fuzz-build install clean \
	print-ldlibs
all: $(BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBCORE): $(addprefix $(BUILD)/,$(CORE_OBJS))
$(LIBAGENT): $(addprefix $(BUILD)/,$(AGENT_OBJS))
$(LIBAUTH): $(addprefix $(BUILD)/,$(AUTH_OBJS))
$(LIBCLI): $(addprefix $(BUILD)/,$(CLI_OBJS)) $(BUILD)/gen/migrations.o

$(BUILD)/gen/migrations.c: $(MIGRATIONS) scripts/embed_sql.sh
	@mkdir -p $(dir $@)
	scripts/embed_sql.sh $(MIGRATIONS) > $@.tmp && mv $@.tmp $@
$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	$(CC) $(ALL_CFLAGS) -Ifcgi/cli -c -o $@ $<
$(BUILD)/lib/%.a:
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/dataland-agent: $(BUILD)/fcgi/agent/main.o $(LIBAGENT) $(LIBCORE)
$(BUILD)/bin/dataland-agent: LDLIBS += $(CURL_LIBS)
$(BUILD)/fcgi/agent/model/openai_http.o: ALL_CFLAGS += $(CURL_CFLAGS)
$(BUILD)/bin/dataland-auth: $(BUILD)/fcgi/auth/main.o $(LIBAUTH) $(LIBCORE)
$(BUILD)/bin/dataland: $(BUILD)/fcgi/cli/main.o $(LIBCLI) $(LIBAUTH) $(LIBAGENT) $(LIBCORE)
$(BUILD)/bin/%:
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests #include the .c under test to reach its statics.
$(BUILD)/tests/t_%: tests/unit/t_%.c $(TEST_LIB_OBJS) $(LIBAUTH) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/lib -Ifcgi -MF $@.d $(LDFLAGS) -o $@ $< $(TEST_LIB_OBJS) $(LIBAUTH) $(LIBCORE) $(LDLIBS)
$(BUILD)/tests/i_%: tests/integration/i_%.c $(TEST_LIB_OBJS) $(LIBCLI) $(LIBAUTH) $(LIBAGENT) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/lib -Ifcgi -MF $@.d $(LDFLAGS) -o $@ $< $(TEST_LIB_OBJS) $(LIBCLI) $(LIBAUTH) $(LIBAGENT) $(LIBCORE) $(LDLIBS)
$(INTEG_BINS): LDLIBS += $(CURL_LIBS)
$(BUILD)/tests/%: tests/e2e/apps/%.c $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MF $@.d $(LDFLAGS) -o $@ $< $(LIBCORE) $(LDLIBS)
$(BUILD)/tests/lib/%.o: tests/lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/lib -c -o $@ $<

$(FUZZ_DIR)/%.o: %.c
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -c -o $@ $<
$(FUZZ_DIR)/fz_%: tests/fuzz/fz_%.c $(FUZZ_CORE_OBJS)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -Ifcgi -o $@ $^ $(LDLIBS)
# A target of an agent file links that file too.
$(FUZZ_DIR)/fz_views: $(FUZZ_DIR)/fcgi/agent/views.o
$(FUZZ_DIR)/fz_sse: $(FUZZ_DIR)/fcgi/agent/model/openai_sse.o
$(FUZZ_DIR)/fz_guide: $(FUZZ_DIR)/fcgi/agent/model/guide_text.o

# Test helpers are linked straight from their objects; keep them.
.SECONDARY: $(TEST_LIB_OBJS)

deps:
	@scripts/deps.sh

test-build: $(BINS) $(UNIT_BINS) $(INTEG_BINS) $(TEST_APPS)
fuzz-build: $(FUZZ_BINS)

# Sub-makes so that the dependency step runs before any pkg-config.
test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SAN=1 test-build
	@$(MAKE) --no-print-directory fuzz-build
	@BUILD=build/san tests/run.sh

run: deps
	@$(MAKE) --no-print-directory all
	@HTTPS_PORT=$(HTTPS_PORT) scripts/run.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run.sh $(BENCH)

# The link line's libraries, for what bench/40-agent.sh links itself.
print-ldlibs:
	@echo $(LDLIBS)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/dataland \
	    $(DESTDIR)$(PREFIX)/share/doc/dataland
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	cp -R sql nginx systemd $(DESTDIR)$(PREFIX)/share/dataland/
	install -m 0644 README.md docs/*.md $(DESTDIR)$(PREFIX)/share/doc/dataland/

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
