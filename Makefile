# The two commands of the README: `make demo` and `make test`. Both install what is missing.
SWIFT ?= swift
BIN = .build/debug/netplan-flannel
EXAMPLE = examples/seed000

.PHONY: deps build demo test

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build

demo: build
	@scripts/demo

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
