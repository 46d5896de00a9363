# faultline — quick start:
#   make demo    install missing deps, build, run the default demo, say where its trace and pages went
#   make test    build and run every test (fast suite, then the ASan+UBSan job)
#
# Other targets: build, test-fast, test-sanitize, test-long, bench, fuzz-parsers, clean.

BUILD       ?= build
BUILD_SAN   ?= build-sanitize
BUILD_FUZZ  ?= build-fuzz
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
CCACHE      := $(shell command -v ccache 2>/dev/null)
LAUNCHER    := $(if $(CCACHE),-DCMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE),)
CMAKE_FLAGS ?=
# Histories from other tools with known verdicts; not in this repository. The tests read
# them from here (make test TESTDATA=DIR to point elsewhere).
TESTDATA    ?= ../shared/testdata
export FAULTLINE_TESTDATA := $(abspath $(TESTDATA))
# ccache can cache builds that use precompiled headers only with these relaxations.
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime

.PHONY: all deps build demo test testdata test-fast test-sanitize test-long bench fuzz-parsers clean

all: build

deps:
	@scripts/install-deps

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(LAUNCHER) $(CMAKE_FLAGS)

$(BUILD_SAN)/build.ninja: | deps
	cmake -S . -B $(BUILD_SAN) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DFAULTLINE_SANITIZE=ON $(LAUNCHER) $(CMAKE_FLAGS)

build: $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The demo's run as a trace, a page and (with Graphviz) a space-time diagram; then a planted
# bug's run (exit 1 is what it should do) as a page that shows why it broke.
DOT_FOUND := $(shell command -v dot 2>/dev/null)
DEMO_RUN  := --protocol raft --seed 1 --faults all
DEMO_BUG  := --protocol raft --bug no-step-down --seed 1 --faults all

demo: build
	@mkdir -p out
	$(BUILD)/faultline run $(DEMO_RUN) --trace out/demo-trace.json --html out/demo.html $(if $(DOT_FOUND),--svg out/demo.svg)
	@$(BUILD)/faultline run $(DEMO_BUG) --html out/demo-bug.html > /dev/null; test $$? = 1
	@echo
	@echo "demo: the whole run, event by event, is in out/demo-trace.json"
	@echo "demo: open out/demo.html in a browser: lanes per node, messages, the history; step with the arrow keys"
	@$(if $(DOT_FOUND),echo "demo: its space-time diagram (the first 1,500 events) is out/demo.svg",echo "demo: no SVG diagram: Graphviz's dot is not installed (scripts/install-deps --with-graphviz)")
	@echo "demo: a planted bug, found by an invariant: out/demo-bug.html (press v, then w: why it broke)"
	@echo "demo: read the run as a log with: $(BUILD)/faultline viz out/demo-trace.json --print (or run ... --print)"

test: test-fast test-sanitize

testdata:
	@test -d "$(FAULTLINE_TESTDATA)" || { echo "make: the shared test data is not at $(FAULTLINE_TESTDATA): clone faultline next to shared/ (so ../shared/testdata is there), or run make $(MAKECMDGOALS) TESTDATA=DIR" >&2; exit 2; }

test-fast: testdata build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) -LE long

# The ASan+UBSan job: the whole fast suite, built with the ucontext fiber backend.
test-sanitize: testdata $(BUILD_SAN)/build.ninja
	cmake --build $(BUILD_SAN) -j $(JOBS)
	ctest --test-dir $(BUILD_SAN) --output-on-failure -j $(JOBS) -LE "long|nosanitize"

# Long seed sweeps; not part of `make test`.
test-long: testdata build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) -L long

# libFuzzer on every reader of outside input (tests/fuzz): clang-14, its own build folder.
# Each target runs FUZZ_RUNS executions from its committed seeds (tests/fuzz/corpus/<t>);
# new inputs go to $(BUILD_FUZZ)/corpus/<t>, crashes to $(BUILD_FUZZ)/crashes/. A crash
# input belongs in tests/fuzz/regressions/<t>/, which the normal test suite reads.
FUZZ_RUNS    ?= 20000
FUZZ_TARGETS := jsonl edn porcupine jepsen_log init options
FUZZ_CXX     ?= clang++-14
FUZZ_FLAGS   ?= -max_len=1024 -timeout=10 -rss_limit_mb=2048 -max_total_time=3600

$(BUILD_FUZZ)/build.ninja:
	cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_COMPILER=$(FUZZ_CXX) \
	  -DFAULTLINE_FUZZ=ON $(LAUNCHER) $(CMAKE_FLAGS)

fuzz-parsers: $(BUILD_FUZZ)/build.ninja
	cmake --build $(BUILD_FUZZ) -j $(JOBS) --target $(addprefix fuzz_,$(FUZZ_TARGETS))
	@mkdir -p $(BUILD_FUZZ)/crashes
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(BUILD_FUZZ)/corpus/$$t; \
	  echo "fuzz-parsers: $$t, $(FUZZ_RUNS) runs"; \
	  $(BUILD_FUZZ)/tests/fuzz/fuzz_$$t -runs=$(FUZZ_RUNS) $(FUZZ_FLAGS) \
	    -dict=tests/fuzz/dictionaries/$$t.dict -artifact_prefix=$(BUILD_FUZZ)/crashes/$$t- \
	    -print_final_stats=1 $(BUILD_FUZZ)/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

bench: build
	@echo "benchmarks are in $(BUILD)/bench/; see bench/README.md for the commands and numbers"

clean:
	rm -rf $(BUILD) $(BUILD_SAN) $(BUILD_FUZZ)
