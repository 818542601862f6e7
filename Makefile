# Morph — two commands on a fresh machine: `make demo` and `make test`.
SWIFT ?= swift
RELEASE_BIN := .build/release/morph

.PHONY: setup build demo demo-photos test bench clean

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

bench: build
	@scripts/setup --bench
	@scripts/bench

clean:
	rm -rf .build out .morph
