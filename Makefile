# Morph — two commands on a fresh machine: `make demo` and `make test`.
SWIFT ?= swift
RELEASE_BIN := .build/release/morph

.PHONY: setup build demo demo-photos test bench fuzz clean

setup:
	@scripts/setup

build: setup
	$(SWIFT) build -c release --product morph

demo: build
	$(RELEASE_BIN) run pipelines/translate-folder.yaml
	@$(MAKE) --no-print-directory demo-photos

# Real photos in, real photos out: detect, align, edit, paste back (Fixtures/photos).
demo-photos: build
	$(RELEASE_BIN) run pipelines/edit-photos.yaml
	@echo "before/after sheets: out/edit-photos/before-after/ (edited photos: out/edit-photos/photos/)"

# Tests run in the debug configuration (heavy kernels are compiled with -O3 anyway).
test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing

# Fuzzing (issue 40): libFuzzer + AddressSanitizer over the readers of outside input, built in
# its own .build-fuzz so `make test` is unaffected. Each target runs until FUZZ_RUNS inputs or
# FUZZ_SECONDS seconds (0 = no time limit); FUZZ_TARGETS picks some (default: all). See docs/fuzzing.md.
# SwiftPM passes `-sanitize=fuzzer -sanitize=address` as two flags and swift-driver keeps only the
# last, so Swift code would get AddressSanitizer but no coverage counters (libFuzzer then fuzzes
# blind); the combined flag, given last, instruments it for both. The release configuration keeps
# Swift's overflow and bounds checks and runs 15–60× more inputs per second than debug.
FUZZ_RUNS ?= 1000000
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FUZZ_CONFIG ?= release
fuzz: setup
	MORPH_FUZZ=1 $(SWIFT) build -c $(FUZZ_CONFIG) --scratch-path .build-fuzz --product morph-fuzz \
	  --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing
	FUZZ_CONFIG=$(FUZZ_CONFIG) FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz $(FUZZ_TARGETS)

bench: build
	@scripts/setup --bench
	@scripts/bench

clean:
	rm -rf .build .build-fuzz out .morph
