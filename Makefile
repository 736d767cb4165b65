# The two commands of the README: `make demo` and `make test`. Both install what is missing.
# What is shipped (README, Install): `make release`, `make image`, `make deb`, all into dist/.
SWIFT ?= swift
BIN = .build/debug/netplan-flannel
EXAMPLE = examples/seed000

.PHONY: deps build demo test release image deb ship-check

deps:
	@scripts/install-deps

build: deps
	$(SWIFT) build

demo: build
	@scripts/demo

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# dist/netplan-flannel: static Swift runtime, stripped; needs only libc6, libmnl0, libnftnl11.
release: deps
	@scripts/install-deps release
	@scripts/ship release

# localhost/netplan-flannel:VERSION (FROM scratch) and dist/netplan-flannel-VERSION.oci.tar.
image: release
	@scripts/install-deps ship
	@scripts/ship image

# dist/netplan-flannel_VERSION_ARCH.deb
deb: release
	@scripts/install-deps ship
	@scripts/ship deb

# Checks the three (as root): CI runs it after building them.
ship-check:
	@scripts/ship-check
