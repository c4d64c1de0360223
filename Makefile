# sipward front door.  Every target first installs missing Debian packages
# (scripts/install-deps.sh is idempotent), then configures and builds with meson.
BUILD ?= build
MESON_OPTS ?=

.PHONY: all deps build test bench demo fuzz clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

# Every suite: unit tests, cross-checks against MIT krb5 / gss-ntlmssp (they
# start their own throwaway realm on loopback), tool tests.
test: build
	meson test -C $(BUILD) --print-errorlogs --num-processes 2

# Google Benchmark runs; prints a ratio table and writes $(BUILD)/bench-summary.json.
bench: build
	./bench/run-bench.sh $(BUILD)

demo: build
	@./scripts/demo.sh $(BUILD)

# libFuzzer targets on a clang ASan+UBSan build, FUZZ_SECONDS each.
FUZZ_SECONDS ?= 600
fuzz: deps
	[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz \
		-Dbuildtype=debugoptimized -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbench=disabled -Dfuzz=enabled
	ninja -C build-fuzz
	./tests/fuzz/run-fuzz.sh build-fuzz $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD) build-san build-fuzz
