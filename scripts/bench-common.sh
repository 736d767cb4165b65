# Shared by the bench-* scripts (sourced, not run): the release build, throwaway namespaces
# and timing. Every namespace made here is named npf-bench-<pid>-<n> and deleted on exit.
# shellcheck shell=bash

[ "$(id -u)" -eq 0 ] || { echo "${0##*/}: needs root (network namespaces)" >&2; exit 1; }
cd "$(dirname "$0")/.."

# Release build with the Swift runtime linked in statically: a dynamically linked Swift
# binary spends ~20 ms of every run in the dynamic loader (libswiftCore, Foundation), which
# is a third of a converged plan. The bench builds its own binary so the figures are always
# of the code in the checkout. SCRATCH overrides the build directory; BIN=path skips the build
# and measures that binary instead.
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

bench_namespaces=()
bench_counter=0
bench_cleanup() {
    [ -n "${KEEP:-}" ] && { echo "kept: ${bench_namespaces[*]} ${work:-}" >&2; return; }
    local ns
    for ns in "${bench_namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    [ -n "${work:-}" ] && rm -rf "$work"
}
trap bench_cleanup EXIT

# Makes an empty node namespace: lo, eth0 (a veth whose peer stays inside) holding
# 172.16.0.1/12, and a default route via 172.16.0.254. Sets $node to its name (no subshell,
# so the cleanup list keeps it).
bench_node() {
    bench_counter=$((bench_counter + 1))
    local ns="npf-bench-$$-$bench_counter"
    ip netns add "$ns"
    bench_namespaces+=("$ns")
    ip -n "$ns" link set lo up
    ip -n "$ns" link add eth0 type veth peer name eth0p
    ip -n "$ns" link set eth0p up
    ip -n "$ns" addr add 172.16.0.1/12 dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" route add default via 172.16.0.254 dev eth0
    node=$ns
}

bench_drop_node() {
    ip netns del "$1"
    local kept=() ns
    for ns in "${bench_namespaces[@]}"; do [ "$ns" = "$1" ] || kept+=("$ns"); done
    bench_namespaces=("${kept[@]}")
}

# Times a command line (a string, run with eval, so several commands joined by && are timed
# together without an extra shell) inside namespace $1, from inside the namespace, so
# `ip netns exec` itself is not counted. Prints "WALL,CPU,USER" in microseconds: wall time from
# bash's $EPOCHREALTIME (no fork around the command), CPU time (user + system of the command's
# processes) and user time alone from bash's `time`. CPU is the figure to trust on a busy
# machine; USER is the tool's own work, without the kernel's. Output is
# discarded; the exit status must be one of $2 (e.g. "0" or "0 2").
bench_time_in() {
    local ns=$1 allowed=$2 line=$3
    ip netns exec "$ns" bash -c '
        err=$(mktemp); cpu=$(mktemp)
        TIMEFORMAT="%3U %3S"
        s=$EPOCHREALTIME
        { time eval "$2" >/dev/null 2>"$err"; } 2>"$cpu"; rc=$?
        e=$EPOCHREALTIME
        # `time` reports the status of what it timed.
        case " $1 " in *" $rc "*) ;; *) echo "exit $rc: $2: $(head -c 300 "$err")" >&2; rm -f "$err" "$cpu"; exit 1;; esac
        read -r user system < <(tail -n 1 "$cpu")
        rm -f "$err" "$cpu"
        echo "$(( ${e/./} - ${s/./} )),$(( 10#${user/./} * 1000 + 10#${system/./} * 1000 )),$(( 10#${user/./} * 1000 ))"' _ "$allowed" "$line"
}

# Median of "WALL,CPU,USER" samples on stdin (microseconds), field $1 (1 wall, 2 CPU, 3 user;
# default 1),
# printed in milliseconds with one decimal.
bench_median_ms() {
    cut -d, -f"${1:-1}" | sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1; m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m / 1000 }'
}

# Splits `netplan-flannel desired … -o script` into what iproute2 runs: $work/setup.sh (link
# and addr lines, run one by one), $work/ip.batch (neigh and route), $work/bridge.batch (fdb)
# and $work/table.nft.
bench_split_script() {
    local script=$1
    grep '^ip link\|^ip addr' "$script" >"$work/setup.lines" || true
    grep '^bridge fdb' "$script" | sed 's/^bridge //' >"$work/bridge.batch" || true
    grep '^ip neigh\|^ip route' "$script" | sed 's/^ip //' >"$work/ip.batch" || true
    sed -n "/^nft -f - <<'NFT'$/,/^NFT$/p" "$script" | sed '1d;$d' >"$work/table.nft"
}

# Runs the setup lines and the nft table in namespace $1 (untimed).
bench_setup_device() {
    local ns=$1 line
    while read -r line; do
        # shellcheck disable=SC2086
        ip netns exec "$ns" $line
    done <"$work/setup.lines"
    ip netns exec "$ns" nft -f "$work/table.nft"
}
