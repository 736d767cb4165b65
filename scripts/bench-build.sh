# The release binary the bench-* scripts measure (sourced, not run; needs no root, so
# bench-memory uses it too). Expects to run from the repository root; sets $bin.
# shellcheck shell=bash

# Release build with the Swift runtime linked in statically: a dynamically linked Swift
# binary spends ~20 ms of every run in the dynamic loader (libswiftCore, Foundation), which
# is a third of a converged plan. The bench builds its own binary so the figures are always
# of the code in the checkout. SCRATCH overrides the build directory; BIN=path skips the build
# and measures that binary instead.
# shellcheck disable=SC2034  # $bin is read by the script that sources this
bench_build() {
    if [ -n "${BIN:-}" ]; then bin=$BIN; return; fi
    local scratch=${SCRATCH:-.build-perf}
    local log; log=$(mktemp)
    if ! swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product netplan-flannel >"$log" 2>&1; then
        cat "$log" >&2; rm -f "$log"; exit 1
    fi
    rm -f "$log"
    bin=$(swift build -c release --static-swift-stdlib --scratch-path "$scratch" --show-bin-path)/netplan-flannel
}
