# libFuzzer harnesses of every parser of outside input (tests/fuzz/fuzz_<name>.c), included by the
# Makefile. Built by clang with libFuzzer, ASan and UBSan (every UB report fatal):
#   make fuzz-build            the harnesses, in $(OUT)/fuzz/fuzz_<name>
#   make fuzz                  each harness for FUZZ_SECONDS (600) on a copy of its seed corpus,
#                              then build/tests/prop for FUZZ_SECONDS
#   make fuzz FUZZ_SECONDS=0   only replay the seed corpus (regression inputs included)
# One harness by hand: $(OUT)/fuzz/fuzz_etcd -dict=tests/fuzz/etcd.dict DIR tests/fuzz/corpus/etcd
# (DIR first: libFuzzer writes new inputs into the first directory; keep the seeds read-only).
#
# The project's sources are compiled again with the same clang flags into $(OUT)/fuzz/obj (the
# gcc-built $(LIB) has no coverage instrumentation) and archived, so that each harness links
# exactly the objects its parser needs and no more; nvctl's main.c stays out (libFuzzer has
# its own main).

FUZZ_CC       ?= $(CLANG)
FUZZ_SECONDS  ?= 600
FUZZ_SAN      := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS    = -g -O1 $(FUZZ_SAN) -std=gnu11 -Wall -Wextra -Werror -MMD -MP -Imaps -Iloader \
                 -Icli -Itests -I$(OUT)/skel $(PKG_CFLAGS) $(CLI_CFLAGS)

FUZZ_NAMES    := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS     := $(FUZZ_NAMES:%=$(OUT)/fuzz/fuzz_%)
FUZZ_LIB_SRCS := $(LIB_SRCS) $(filter-out cli/main.c,$(CLI_SRCS))
FUZZ_LIB_OBJS := $(FUZZ_LIB_SRCS:%.c=$(OUT)/fuzz/obj/%.o)
FUZZ_LIB      := $(OUT)/fuzz/libnvgre-fuzz.a

.SECONDARY: $(FUZZ_BINS:%=%.o)

fuzz-build: $(FUZZ_BINS)

# The parsers, then the datapath's property fuzzer (tests/prop) for as long again (as root).
fuzz: fuzz-build $(PROP)
	$(Q)bash tests/fuzz/run.sh $(OUT) $(FUZZ_SECONDS)
	$(Q)$(PROP) $(if $(filter 0,$(FUZZ_SECONDS)),--frames 100000,--seconds $(FUZZ_SECONDS))

$(OUT)/fuzz/obj/%.o: %.c | $(SKELS)
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(OUT)/fuzz/fuzz_%.o: tests/fuzz/fuzz_%.c | $(SKELS)
	$(call msg,FUZZCC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(OUT)/fuzz/fuzz_%: $(OUT)/fuzz/fuzz_%.o $(FUZZ_LIB)
	$(call msg,LINK,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^ $(PKG_LIBS)
