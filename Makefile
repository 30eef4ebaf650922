# nvgre-xdp build. Everything generated goes to $(OUT); sources are never written.
#   make            build BPF objects, skeletons, the library and the test binaries
#   make test       install missing packages, mount bpffs, check the format, build, run every
#                   test (as root)
#   make fuzz       the parsers' harnesses and the datapath's property fuzzer, FUZZ_SECONDS each
#   make bench      install, build, measure (prints ratios; asserts nothing)
#   make demo       install, build, run the multi-host demo
#   make soak       install, build, soak the datapath for SOAK_SECONDS (300; minutes, not in test)
#   make install    nvctl, its man page and bash completion under $(PREFIX) (/usr/local)
#   make vmlinux    regenerate vmlinux/<arch>/vmlinux.h from the running kernel's BTF
#   make format     reformat sources with .clang-format;  make format-check  only check
#   V=1             show full commands

OUT       ?= build
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
# The BPF side's kernel types are per architecture (vmlinux/x86, vmlinux/arm64, ...); ARCH=arm64
# builds for another one.
HOST_ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
ARCH      ?= $(HOST_ARCH)
VMLINUX_H := vmlinux/$(ARCH)/vmlinux.h

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

LIBS_PC   := libbpf libxdp jansson
PKG_CFLAGS = $(shell pkg-config --cflags $(LIBS_PC) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(LIBS_PC) 2>/dev/null) -lresolv
TEST_LIBS  = $(shell pkg-config --libs criterion 2>/dev/null)
# Headers only: nvctl loads libmicrohttpd, libpcap and libcurl with dlopen() when metrics listen,
# trace pcap or agent runs (cli/nv_dynlib.h says why), so nothing links them.
CLI_PC     := libmicrohttpd libpcap libcurl
CLI_CFLAGS  = $(shell pkg-config --cflags $(CLI_PC) 2>/dev/null)

# A missing library fails here, by its pkg-config name, rather than as a missing header later.
# Not for the goals that build nothing from them (deps installs them; test, bench and demo run
# deps, then a sub-make that checks), so that those work on a machine without the packages.
NOLIB_GOALS := deps bpffs test bench demo soak bench-publish clean format format-check vmlinux uninstall
ifneq ($(filter-out $(NOLIB_GOALS),$(or $(MAKECMDGOALS),all)),)
PKG_MISSING := $(shell command -v pkg-config >/dev/null || echo pkg-config; \
		 for p in $(LIBS_PC) criterion $(CLI_PC); do \
			pkg-config --exists $$p 2>/dev/null || echo $$p; done)
ifneq ($(PKG_MISSING),)
$(error missing: $(PKG_MISSING) (pkg-config names; `make deps` installs the packages))
endif
endif

CFLAGS    ?= -O2 -g
CFLAGS    += -std=gnu11 -Wall -Wextra -Werror -MMD -MP -Imaps -Iloader -Icli -Itests -I$(OUT)/skel \
             $(PKG_CFLAGS)
# SANITIZE=1: user space with AddressSanitizer and UndefinedBehaviorSanitizer (every UB report
# fatal); make test builds and runs the unit and CLI suites so too, in $(OUT)-san.
ifeq ($(SANITIZE),1)
CFLAGS    += -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
endif
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -MMD -MP \
              -Ivmlinux/$(ARCH) -Imaps -Ibpf/lib

BPF_PROGS  := from_vm from_wire wire_tc from_ext
TEST_BPF   := noop redirect rxcount
BPF_OBJS   := $(BPF_PROGS:%=$(OUT)/bpf/%.bpf.o) $(TEST_BPF:%=$(OUT)/bpf/%.bpf.o)
SKELS      := $(BPF_PROGS:%=$(OUT)/skel/%.skel.h) $(TEST_BPF:%=$(OUT)/skel/%.skel.h)

LIB_SRCS   := $(wildcard maps/*.c) $(wildcard loader/*.c)
LIB_OBJS   := $(LIB_SRCS:%.c=$(OUT)/obj/%.o)
LIB        := $(OUT)/libnvgre.a

CLI_SRCS   := $(wildcard cli/*.c)
CLI_OBJS   := $(CLI_SRCS:%.c=$(OUT)/obj/%.o)
NVCTL      := $(OUT)/nvctl

UNIT_SRCS  := $(wildcard tests/unit/*.c) $(wildcard tests/lib/*.c)
UNIT_OBJS  := $(UNIT_SRCS:%.c=$(OUT)/obj/%.o)
UNIT       := $(OUT)/tests/unit
# The gateway bench's connection-rate client and server (tests/bench/gateway.sh): a program of its
# own, no library of the project.
CONNRATE_SRC := tests/bench/connrate.c
CONNRATE   := $(OUT)/tests/connrate
BENCH_SRCS := $(filter-out $(CONNRATE_SRC),$(wildcard tests/bench/*.c)) $(wildcard tests/lib/*.c)
BENCH_OBJS := $(BENCH_SRCS:%.c=$(OUT)/obj/%.o)
BENCH      := $(OUT)/tests/bench
# Property fuzzing of the programs against the reference model (tests/prop/prop.h).
PROP_SRCS  := $(wildcard tests/prop/*.c) $(wildcard tests/lib/*.c)
PROP_OBJS  := $(PROP_SRCS:%.c=$(OUT)/obj/%.o)
PROP       := $(OUT)/tests/prop

.PHONY: all deps bpffs test unit bench bench-publish demo soak clean vmlinux format format-check install uninstall \
	fuzz fuzz-build
.DELETE_ON_ERROR:
# Objects and skeletons are intermediate files of chained rules: keep them, or every make rebuilds.
.SECONDARY: $(BPF_OBJS) $(SKELS)

all: $(LIB) $(NVCTL) $(UNIT) $(BENCH) $(CONNRATE) $(PROP)

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c | $(VMLINUX_H)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/bpf/%.bpf.o: tests/bpf/%.bpf.c | $(VMLINUX_H)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/skel/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) gen skeleton $< name nv_$*_bpf > $@

# User-space objects include skeletons: build them first.
$(OUT)/obj/%.o: %.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ # a stale archive would keep members whose source is gone
	$(Q)$(AR) rcs $@ $^

$(CLI_OBJS): CFLAGS += $(CLI_CFLAGS)
$(NVCTL): $(CLI_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

$(UNIT): $(UNIT_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(TEST_LIBS) $(PKG_LIBS)

$(BENCH): $(BENCH_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(CONNRATE): $(CONNRATE_SRC:%.c=$(OUT)/obj/%.o)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -pthread

$(PROP): $(PROP_OBJS) $(LIB)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

deps:
	$(Q)sh .ci/install-deps.sh

bpffs:
	$(Q)mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

# deps and bpffs run first, then the format check and the builds (sub-makes, so that clang-format
# and pkg-config see the packages deps installed): the plain one and one with ASan and UBSan in
# $(OUT)-san, whose unit and nvctl suites run again, and the parsers' libFuzzer harnesses; then
# the tests.
test: deps bpffs
	$(Q)$(MAKE) --no-print-directory format-check
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory OUT=$(OUT)-san SANITIZE=1 all
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)NV_SAN_BUILD=$(OUT)-san bash tests/run-tests.sh $(OUT)

# Case 1-2 (per packet, live-frame rate) from the binary, case 3 (VM to VM), the gateway's NAT beside
# the kernel's, the VM-to-VM profile, case 4 (control plane); every result as CSV/JSON (and the
# chart) in $(OUT)/bench.
bench: deps bpffs
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(BENCH) $(OUT)/bench
	$(Q)bash tests/bench/perpacket_chart.sh $(OUT)/bench
	$(Q)BENCH_OUT=$(OUT)/bench bash tests/bench/vm2vm.sh
	$(Q)BENCH_OUT=$(OUT)/bench bash tests/bench/gateway.sh
	$(Q)BENCH_OUT=$(OUT)/bench bash tests/bench/profile.sh
	$(Q)bash tests/bench/control.sh $(OUT)
	$(Q)bash tests/bench/agent.sh $(OUT)

# The run README quotes: copies the last make bench's results next to the scripts (in git).
bench-publish:
	$(Q)mkdir -p tests/bench/results
	$(Q)cp $(OUT)/bench/*.csv $(OUT)/bench/*.json $(OUT)/bench/*.png tests/bench/results/

demo: deps bpffs
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash tests/e2e/demo.sh $(OUT)

# Stable traffic under record, port, agent and etcd churn, then leaks as numbers (tests/soak/soak.sh).
SOAK_SECONDS ?= 300
soak: deps bpffs
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bash tests/soak/soak.sh $(OUT) $(SOAK_SECONDS)

# The BPF objects are inside nvctl (skeletons): the binary, its man page and completion, the
# agent's systemd unit with its settings file (the admin's: never overwritten) and the gateway's
# connection collector unit are all.
PREFIX ?= /usr/local
UNITDIR ?= /lib/systemd/system
install: $(NVCTL)
	install -D -m 0755 $(NVCTL) $(DESTDIR)$(PREFIX)/sbin/nvctl
	install -D -m 0644 cli/nvctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/nvctl.8
	install -D -m 0644 cli/nvctl.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/nvctl
	install -d $(DESTDIR)$(UNITDIR)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' cli/nvgre-agent.service \
		>$(DESTDIR)$(UNITDIR)/nvgre-agent.service
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' cli/nvgre-nat-gc.service \
		>$(DESTDIR)$(UNITDIR)/nvgre-nat-gc.service
	[ -e $(DESTDIR)/etc/default/nvgre-agent ] || \
		install -D -m 0644 cli/nvgre-agent.default $(DESTDIR)/etc/default/nvgre-agent
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/nvctl $(DESTDIR)$(PREFIX)/share/man/man8/nvctl.8 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/nvctl \
		$(DESTDIR)$(UNITDIR)/nvgre-agent.service $(DESTDIR)$(UNITDIR)/nvgre-nat-gc.service

# Committed per architecture (README says why); never made implicitly, so a missing one is named.
$(VMLINUX_H):
	@echo "Error: $@ is missing: no kernel types for ARCH=$(ARCH). On a machine of that" \
		"architecture whose kernel has BTF, make vmlinux writes it." >&2
	@exit 1

# The running kernel's types, for the running architecture whatever ARCH says (a failed dump
# leaves the old file).
vmlinux:
	mkdir -p vmlinux/$(HOST_ARCH)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(HOST_ARCH)/vmlinux.h.tmp
	mv vmlinux/$(HOST_ARCH)/vmlinux.h.tmp vmlinux/$(HOST_ARCH)/vmlinux.h

# The tracked sources (every source of a tree that is not a git checkout), vmlinux.h aside.
FORMAT_SRCS = $(shell { git ls-files '*.c' '*.h' 2>/dev/null || \
			find bpf cli loader maps tests -name '*.[ch]'; } | grep -v '^vmlinux/')
format:
	clang-format -i $(FORMAT_SRCS)
format-check:
	$(call msg,FORMAT,check)
	$(Q)clang-format --dry-run -Werror $(FORMAT_SRCS)

clean:
	rm -rf $(OUT)

include tests/fuzz/fuzz.mk

-include $(shell find $(OUT) -name '*.d' 2>/dev/null)
