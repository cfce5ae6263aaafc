# crossdock — the two commands: `make demo` and `make test`. Everything else is a helper.
SHELL := /bin/bash
.DEFAULT_GOAL := help
JOBS ?= $(shell nproc)
export CCACHE_DIR ?= $(CURDIR)/.cache/ccache

.PHONY: help deps build demo test unit e2e bench fuzz fuzz-ci format format-check clean

help:
	@echo "make demo    build and start the hub on its embedded default (SQLite)"
	@echo "make test    build and run every test (unit, end-to-end, fuzz corpus replay)"
	@echo "make build   release build; the binary lands at bin/crossdock"
	@echo "make bench   run the benchmarks; figures go to BENCHMARKS.md by hand"
	@echo "make fuzz    run every fuzzer for FUZZ_SECONDS (default 60)"

deps:
	@bash scripts/install-deps.sh

build/release/build.ninja: CMakeLists.txt CMakePresets.json | deps
	cmake --preset release >/dev/null

build: deps build/release/build.ninja
	cmake --build --preset release -j $(JOBS)
	@mkdir -p bin && cp -f build/release/bin/crossdock bin/crossdock
	@echo "built bin/crossdock"

demo: build
	@bash examples/demo/run.sh

build/dev/build.ninja: CMakeLists.txt CMakePresets.json | deps
	cmake --preset dev >/dev/null

unit: deps build/dev/build.ninja
	cmake --build --preset dev -j $(JOBS)
	ctest --preset dev -j $(JOBS) -LE e2e

test: deps build/dev/build.ninja
	cmake --build --preset dev -j $(JOBS)
	ctest --preset dev -j $(JOBS) --timeout 900

bench: build
	@bash bench/run.sh

FUZZ_SECONDS ?= 60
fuzz: deps
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS) --target fuzzers
	@bash fuzz/run.sh $(FUZZ_SECONDS)

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

format-check:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror

clean:
	rm -rf build bin
