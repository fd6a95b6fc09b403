# Thin wrapper over CMake + Ninja. See README.md.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
PORT       ?= 6379
PY         ?= /usr/bin/python3

.PHONY: all setup build asan-build run run-managed test test-asan bench bench-failover bench-crash fuzz-build clean

all: build

setup:
	@bash scripts/setup.sh

# Progress: each step says what it does; ninja prints [done/total] per file.
empty :=
export NINJA_STATUS := [%f/%t %p]$(empty) $(empty)

$(BUILD)/build.ninja:
	@echo "build: configuring $(BUILD)/ (CMake, Release; first build only)"
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null

build: setup $(BUILD)/build.ninja
	@echo "build: compiling vireo-server and vireo_unit_tests in $(BUILD)/ (ninja -j2)"
	@cmake --build $(BUILD) -- -j2
	@test -x $(BUILD)/vireo-server
	@echo "build: $(BUILD)/vireo-server is up to date"

run: build
	@echo "vireo-server on 127.0.0.1:$(PORT): connect with  redis-cli -p $(PORT)"
	@exec $(BUILD)/vireo-server --port $(PORT) --bind 127.0.0.1

# The managed layer: vireo-manager with a group "default" (vireo-server engine),
# printing its endpoints; Ctrl-C stops everything it started.
run-managed: build
	@VIREO_SERVER=$(CURDIR)/$(BUILD)/vireo-server $(PY) src/manager/vireo-run

$(FUZZ_BUILD)/build.ninja:
	@echo "build: configuring $(FUZZ_BUILD)/ (CMake, clang, libFuzzer; first build only)"
	@CXX=clang++ CC=clang cmake -S . -B $(FUZZ_BUILD) -G Ninja -DVIREO_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

fuzz-build: setup $(FUZZ_BUILD)/build.ninja
	@echo "build: compiling the fuzz targets in $(FUZZ_BUILD)/ (ninja -j2)"
	@cmake --build $(FUZZ_BUILD) -- -j2

# Every suite: unit, integration, differential, fuzz smoke; one summary line.
# The fuzz smoke runs the fuzz targets of the sanitizer build (built with
# clang, they carry edge coverage: see CMakeLists.txt), so `make test` and
# `make test-asan` share that build. Integration modules run two at a time.
test: build asan-build
	@VIREO_SERVER=$(BUILD)/vireo-server VIREO_BUILD=$(BUILD) VIREO_FUZZ_BUILD=$(ASAN_BUILD) VIREO_TEST_JOBS=2 \
	  PY=$(PY) bash scripts/run_tests.sh

$(ASAN_BUILD)/build.ninja:
	@echo "build: configuring $(ASAN_BUILD)/ (CMake, clang, Debug, ASan/UBSan + fuzz targets; first build only)"
	@CXX=clang++ CC=clang cmake -S . -B $(ASAN_BUILD) -G Ninja -DVIREO_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null

asan-build: setup $(ASAN_BUILD)/build.ninja
	@echo "build: compiling the ASan/UBSan build and the fuzz targets in $(ASAN_BUILD)/ (ninja -j2)"
	@cmake --build $(ASAN_BUILD) -- -j2

# The same suites against the ASan/UBSan build (no fuzz smoke: `make test` ran it there).
test-asan: asan-build
	@VIREO_SERVER=$(ASAN_BUILD)/vireo-server VIREO_BUILD=$(ASAN_BUILD) VIREO_SKIP_FUZZ=1 VIREO_SKIP_MANAGER=1 VIREO_QUICK=1 VIREO_SKIP_ORACLE=1 VIREO_TEST_JOBS=2 \
	  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  PY=$(PY) bash scripts/run_tests.sh

bench: build
	@VIREO_SERVER=$(BUILD)/vireo-server $(PY) bench/bench.py
	@VIREO_SERVER=$(BUILD)/vireo-server $(PY) bench/bgsave_bench.py
	@$(PY) bench/failover_bench.py
	@VIREO_SERVER=$(CURDIR)/$(BUILD)/vireo-server $(PY) bench/endpoint_bench.py
	@$(PY) bench/crash_matrix.py --runs 200

bench-failover: build
	@$(PY) bench/failover_bench.py

bench-crash:
	@$(PY) bench/crash_matrix.py --runs 200

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
