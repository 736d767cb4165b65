# Shared by the bench-* scripts (sourced, not run): the release build, throwaway namespaces
# and timing. Every namespace made here is named npf-bench-<pid>-<n> and deleted on exit.
# Environment read here (every bench script that sources this file takes them):
#   STACK=dual   a dual-stack cluster (scripts/gen-cluster's `dual` mode: a second device
#                flannel-v6.1 and, per peer, an IPv6 route, neighbour and fdb entry beside the
#                IPv4 ones: 6 objects a peer). The node's eth0 also holds fd00:172:16::1/64 and an
#                IPv6 default route; iproute2 runs `ip -batch` (IPv4 neigh/route), `ip -6 -batch`
#                (IPv6 neigh/route) and `bridge -batch` (both devices' fdb). Default STACK=v4.
#   NFTABLES=1   the net-conf gets "EnableNFTables": true (masquerade rules as nf_tables tables
#                instead of the default iptables-nft rules in ip/ip6 nat and filter).
# shellcheck shell=bash

[ "$(id -u)" -eq 0 ] || { echo "${0##*/}: needs root (network namespaces)" >&2; exit 1; }
cd "$(dirname "$0")/.." || exit 1
bench_stack=${STACK:-v4}
case $bench_stack in v4 | dual) ;; *) echo "${0##*/}: STACK is v4 or dual, not '$bench_stack'" >&2; exit 2 ;; esac

# shellcheck source=scripts/bench-build.sh
source scripts/bench-build.sh

bench_namespaces=()
bench_counter=0
# Background processes started in a namespace (the reconcile agent, ip monitor): killed on exit,
# before their namespaces go, whatever KEEP says.
bench_pids=()
bench_cleanup() {
    local pid
    for pid in "${bench_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${bench_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ -n "${KEEP:-}" ] && { echo "kept: ${bench_namespaces[*]} ${work:-}" >&2; return; }
    local ns
    for ns in "${bench_namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    [ -n "${work:-}" ] && rm -rf "$work"
}
trap bench_cleanup EXIT

# Makes an empty node namespace: lo, eth0 (a veth whose peer stays inside) holding
# 172.16.0.1/12, and a default route via 172.16.0.254; with STACK=dual also fd00:172:16::1/64
# (nodad: usable at once) and an IPv6 default route via fd00:172:16::fe, so every peer's
# PublicIPv6 is on-link. Sets $node to its name (no subshell, so the cleanup list keeps it).
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
    if [ "$bench_stack" = dual ]; then
        ip -n "$ns" -6 addr add fd00:172:16::1/64 dev eth0 nodad
        ip -n "$ns" -6 route add default via fd00:172:16::fe dev eth0
    fi
    node=$ns
}

bench_forget_pid() {
    local kept=() pid
    for pid in "${bench_pids[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
    bench_pids=("${kept[@]}")
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
    # shellcheck disable=SC2016  # expanded by the inner bash
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

# Splits `netplan-flannel desired … -o script` into what iproute2 runs: $work/ip.batch (IPv4
# neigh and route), $work/ip6.batch (the `ip -6` neigh and route lines without `ip -6`, empty
# unless STACK=dual), $work/bridge.batch (fdb, both devices) and $work/setup.sh: the script
# without those lines and its `# ` comments, i.e.
# the link and addr lines, the sysctl lines and the masquerade rules as the script loads them
# (`nft -f -` blocks in nf_tables mode, `iptables-nft-restore --noflush` blocks in iptables mode,
# flannel's and the tool's default), run as one bash script.
bench_split_script() {
    local script=$1
    grep -v '^# \|^ip \(-6 \)\{0,1\}neigh \|^ip \(-6 \)\{0,1\}route \|^bridge fdb ' "$script" >"$work/setup.sh" || true
    grep '^bridge fdb' "$script" | sed 's/^bridge //' >"$work/bridge.batch" || true
    grep '^ip neigh\|^ip route' "$script" | sed 's/^ip //' >"$work/ip.batch" || true
    grep '^ip -6 neigh\|^ip -6 route' "$script" | sed 's/^ip -6 //' >"$work/ip6.batch" || true
    # What iproute2 times: one line, the batches of every family present.
    bench_batches="ip -batch $work/ip.batch"
    [ -s "$work/ip6.batch" ] && bench_batches+=" && ip -6 -batch $work/ip6.batch"
    bench_batches+=" && bridge -batch $work/bridge.batch"
}

# Runs the setup script (devices, addresses, sysctls, masquerade rules) in namespace $1
# (untimed).
bench_setup_device() {
    ip netns exec "$1" bash "$work/setup.sh" >/dev/null
}

# Ratio A / B of two figures, two decimals.
bench_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'; }

# Medians of "WALL,CPU,USER" samples given as arguments: prints "WALL CPU USER" in ms.
bench_medians() {
    local w c u
    w=$(printf '%s\n' "$@" | bench_median_ms 1); c=$(printf '%s\n' "$@" | bench_median_ms 2)
    u=$(printf '%s\n' "$@" | bench_median_ms 3)
    echo "$w $c $u"
}

# Results kept for the growth table: bench_result[CASE:N:TOOL]="WALL CPU USER" (ms), and the
# order in which cases and sizes were first recorded.
# shellcheck disable=SC2034  # read by scripts/bench-kernel
declare -A bench_result=()
bench_cases_seen=() bench_sizes_seen=()
bench_record() {
    local case=$1 n=$2 tool=$3 figures=$4
    # shellcheck disable=SC2034  # read by scripts/bench-kernel
    bench_result[$case:$n:$tool]=$figures
    [[ " ${bench_cases_seen[*]} " == *" $case "* ]] || bench_cases_seen+=("$case")
    [[ " ${bench_sizes_seen[*]} " == *" $n "* ]] || bench_sizes_seen+=("$n")
}

# The cluster of N peers (N+1 leases, node 0 is this node; dual-stack with STACK=dual): sets
# $inputs (an array) and splits `desired -o script` into $work's batch files
# (bench_split_script). Untimed.
bench_cluster() {
    local n=$1 on_link=(--on-link 172.16.0.0/12)
    if [ ! -d "$work/c$n" ]; then
        if [ "$bench_stack" = dual ]; then
            scripts/gen-cluster "$((n + 1))" "$work/c$n" vxlan dual >/dev/null
        else
            scripts/gen-cluster "$((n + 1))" "$work/c$n" >/dev/null
        fi
        [ -z "${NFTABLES:-}" ] || sed -i 's/^{/{"EnableNFTables": true, /' "$work/c$n/net-conf.json"
    fi
    [ "$bench_stack" = dual ] && on_link+=(--on-link fd00:172:16::/64)
    inputs=(--net-conf "$work/c$n/net-conf.json" --leases "$work/c$n/leases.json" --node-ip 172.16.0.1)
    "$bin" desired "${inputs[@]}" --iface eth0 "${on_link[@]}" -o script >"$work/script.sh"
    bench_split_script "$work/script.sh"
}

# A node converged on the vxlan backend, built the iproute2 way (device, table, bridge -batch,
# ip -batch of bench_cluster's files), so every tool starts from the same kernel state. Sets
# $node; fails unless `plan` agrees it is converged.
bench_converged_node() {
    bench_node
    bench_setup_device "$node"
    ip netns exec "$node" bridge -batch "$work/bridge.batch"
    ip netns exec "$node" ip -batch "$work/ip.batch"
    [ -s "$work/ip6.batch" ] && ip netns exec "$node" ip -6 -batch "$work/ip6.batch"
    local status=0
    ip netns exec "$node" "$bin" plan "${inputs[@]}" --detailed-exitcode >/dev/null || status=$?
    [ "$status" -eq 0 ] || { echo "${0##*/}: the node built with iproute2 is not converged (plan exit $status)" >&2; exit 1; }
}

# Fails unless namespaces $1 and $2 hold the same routes, flannel.1 neighbours and fdb entries,
# and with STACK=dual the same IPv6 routes, flannel-v6.1 neighbours and fdb entries ($3 names
# the case in the message).
bench_same_objects() {
    local what whats=("ip route show" "ip neigh show dev flannel.1" "bridge fdb show dev flannel.1")
    [ "$bench_stack" = dual ] && whats+=("ip -6 route show" "ip -6 neigh show dev flannel-v6.1" "bridge fdb show dev flannel-v6.1")
    for what in "${whats[@]}"; do
        # shellcheck disable=SC2086
        if ! diff <(ip netns exec "$1" $what 2>/dev/null | sort) <(ip netns exec "$2" $what 2>/dev/null | sort) >/dev/null; then
            echo "${0##*/}: $3: '$what' differs between netplan-flannel and iproute2" >&2; exit 1
        fi
    done
}

# Fails unless `plan ARGS…` in namespace $1 is empty (exit 0).
bench_plan_empty() {
    local ns=$1 label=$2 status=0; shift 2
    ip netns exec "$ns" "$bin" plan "$@" --detailed-exitcode >/dev/null || status=$?
    [ "$status" -eq 0 ] || { echo "${0##*/}: $label: the plan afterwards is not empty (exit $status)" >&2; exit 1; }
}

# --- apply from an empty node -------------------------------------------------------------------
# `apply` from an empty node against `ip -batch` + `bridge -batch` of the same N×3 objects on a
# node whose flannel.1 and table were made beforehand (untimed): iproute2 is charged for less
# work than apply. With STACK=dual: N×6 objects, both devices and both families' rules made
# beforehand, and iproute2's line is `ip -batch` + `ip -6 -batch` + `bridge -batch`. Two fresh namespaces per run, tools alternating. After the first run, both
# nodes must hold the same objects and a re-plan must be empty. Needs bench_cluster N first.
bench_apply_header() {
    echo "median of RUNS, whole processes, ms: wall (CPU = user + system of the processes) [user alone]"
    printf '%-7s %-5s %28s %28s %22s\n' peers runs "apply wall (CPU) [user]" "iproute2 wall (CPU) [user]" "ratio wall (CPU) [user]"
}
bench_apply_case() {
    local n=$1 runs=$2 rep a b objects ours=() theirs=()
    objects=$(($(wc -l <"$work/ip.batch") + $(wc -l <"$work/ip6.batch") + $(wc -l <"$work/bridge.batch")))
    for rep in $(seq "$runs"); do
        bench_node; a=$node; bench_node; b=$node
        bench_setup_device "$b"
        if [ $((rep % 2)) -eq 1 ]; then
            ours+=("$(bench_time_in "$a" 0 "$bin apply ${inputs[*]}")")
            theirs+=("$(bench_time_in "$b" 0 "$bench_batches")")
        else
            theirs+=("$(bench_time_in "$b" 0 "$bench_batches")")
            ours+=("$(bench_time_in "$a" 0 "$bin apply ${inputs[*]}")")
        fi
        if [ "$rep" -eq 1 ]; then
            bench_same_objects "$a" "$b" apply
            bench_plan_empty "$a" apply "${inputs[@]}"
        fi
        bench_drop_node "$a"; bench_drop_node "$b"
    done
    local o t
    read -r -a o < <(bench_medians "${ours[@]}"); read -r -a t < <(bench_medians "${theirs[@]}")
    bench_record apply "$n" ours "${o[*]}"; bench_record apply "$n" iproute2 "${t[*]}"
    printf '%-7s %-5s %28s %28s %22s   (%d objects)\n' "$n" "$runs" "${o[0]} (${o[1]}) [${o[2]}]" "${t[0]} (${t[1]}) [${t[2]}]" \
        "$(bench_ratio "${o[0]}" "${t[0]}") ($(bench_ratio "${o[1]}" "${t[1]}")) [$(bench_ratio "${o[2]}" "${t[2]}")]" "$objects"
}

# --- observe and a converged plan ---------------------------------------------------------------
# On one node converged the iproute2 way: observe -o text (with and without the leases) and
# -o json, a converged `plan --detailed-exitcode` (must exit 0), against iproute2's three dumps
# (ip -j route show && ip -j neigh show dev flannel.1 && bridge -j fdb show dev flannel.1, one
# line). With STACK=dual the dumps add ip -6 -j route show, ip -6 -j neigh show dev
# flannel-v6.1 and bridge -j fdb show dev flannel-v6.1 (six processes, one line). Tools alternate
# their order run by run. Needs bench_cluster N first.
bench_observe_case() {
    local n=$1 runs=$2 rep what ns
    bench_converged_node; ns=$node
    echo "node: $(ip -n "$ns" route show | wc -l) routes, $(ip -n "$ns" neigh show dev flannel.1 | wc -l) neighbours," \
        "$(bridge -n "$ns" fdb show dev flannel.1 | wc -l) fdb entries"
    local dumps="ip -j route show && ip -j neigh show dev flannel.1 && bridge -j fdb show dev flannel.1"
    local dumps_label="ip -j route + ip -j neigh + bridge -j fdb (together)" per_peer=3
    if [ "$bench_stack" = dual ]; then
        echo "      $(ip -n "$ns" -6 route show | wc -l) IPv6 routes, $(ip -n "$ns" -6 neigh show dev flannel-v6.1 | wc -l) flannel-v6.1 neighbours," \
            "$(bridge -n "$ns" fdb show dev flannel-v6.1 | wc -l) flannel-v6.1 fdb entries"
        dumps+=" && ip -6 -j route show && ip -6 -j neigh show dev flannel-v6.1 && bridge -j fdb show dev flannel-v6.1"
        dumps_label="the same three dumps per family (six, together)" per_peer=6
    fi
    local netconf_only="--net-conf $work/c$n/net-conf.json"
    local -A t=()
    for rep in $(seq "$runs"); do
        local order=(text bare json dumps plan)
        [ $((rep % 2)) -eq 0 ] && order=(dumps plan json bare text)
        for what in "${order[@]}"; do
            case $what in
                text) t[text]+="$(bench_time_in "$ns" 0 "$bin observe ${inputs[*]} -o text") " ;;
                bare) t[bare]+="$(bench_time_in "$ns" 0 "$bin observe $netconf_only -o text") " ;;
                json) t[json]+="$(bench_time_in "$ns" 0 "$bin observe ${inputs[*]} -o json") " ;;
                dumps) t[dumps]+="$(bench_time_in "$ns" 0 "$dumps") " ;;
                plan) t[plan]+="$(bench_time_in "$ns" 0 "$bin plan ${inputs[*]} --detailed-exitcode") " ;;
            esac
        done
    done
    local -A m=()
    for what in text bare json dumps plan; do
        # shellcheck disable=SC2086
        m[$what]=$(bench_medians ${t[$what]})
    done
    bench_record observe "$n" ours "${m[text]}"; bench_record observe "$n" iproute2 "${m[dumps]}"
    bench_record plan "$n" ours "${m[plan]}"; bench_record plan "$n" iproute2 "${m[dumps]}"
    echo "peers: $n ($((per_peer * n)) objects)   runs: $runs   median ms, whole processes: wall (CPU = user + system)"
    local row key w c d
    read -r -a d <<<"${m[dumps]}"
    for row in "text:netplan-flannel observe -o text" "bare:netplan-flannel observe -o text (net-conf only, no leases)" \
               "json:netplan-flannel observe -o json" \
               "dumps:$dumps_label" \
               "plan:netplan-flannel plan (converged)"; do
        key=${row%%:*}; read -r w c _ <<<"${m[$key]}"
        case $key in
            text|bare|json) printf '  %-56s %16s   %s (%s) × iproute2\n' "${row#*:}" "$w ($c)" "$(bench_ratio "$w" "${d[0]}")" "$(bench_ratio "$c" "${d[1]}")" ;;
            *) printf '  %-56s %16s\n' "${row#*:}" "$w ($c)" ;;
        esac
    done
    bench_drop_node "$ns"
}

# --- vxlan → host-gw ----------------------------------------------------------------------------
# Two nodes converged on vxlan the iproute2 way, then the switch to host-gw on each: the whole
# `apply --backend host-gw` process (observe, plan, apply) against the iproute2 lines of the same
# change, taken from `plan --backend host-gw -o script` (untimed, on the first node built):
# `ip -batch` of the route replacements (via each peer's PublicIP on eth0, on-link in
# 172.16.0.0/12) and neighbour deletions, `bridge -batch` of the fdb deletions, then, if the
# plan deletes flannel.1 (it keeps it while the leases say vxlan, as here), `ip -batch` of that.
# Fresh nodes every run, tools alternating. After the first run both nodes must hold the same
# objects, flannel.1 must be gone from both if the plan deleted it, and a host-gw re-plan must
# be empty on both. Needs bench_cluster N first.
bench_switch_case() {
    local n=$1 runs=$2 rep a b ours=() theirs=()
    local batches="ip -batch $work/switch-ip.batch && bridge -batch $work/switch-bridge.batch"
    for rep in $(seq "$runs"); do
        bench_converged_node; a=$node; bench_converged_node; b=$node
        if [ "$rep" -eq 1 ]; then
            ip netns exec "$b" "$bin" plan "${inputs[@]}" --backend host-gw -o script >"$work/switch.sh"
            grep '^ip route\|^ip neigh' "$work/switch.sh" | sed 's/^ip //' >"$work/switch-ip.batch" || true
            grep '^ip -6 route\|^ip -6 neigh' "$work/switch.sh" | sed 's/^ip -6 //' >"$work/switch-ip6.batch" || true
            [ -s "$work/switch-ip6.batch" ] && batches="ip -batch $work/switch-ip.batch && ip -6 -batch $work/switch-ip6.batch && bridge -batch $work/switch-bridge.batch"
            grep '^bridge fdb' "$work/switch.sh" | sed 's/^bridge //' >"$work/switch-bridge.batch" || true
            grep '^ip link\|^ip addr\|^ip -6 addr' "$work/switch.sh" | sed 's/^ip //' >"$work/switch-link.batch" || true
            # The plan deletes flannel.1 only when it says so (while the leases say vxlan, it keeps
            # it): then the link batch is timed too.
            [ -s "$work/switch-link.batch" ] && batches+=" && ip -batch $work/switch-link.batch"
            local other; other=$(grep -v '^#\|^$\|^set \|^ip \|^bridge ' "$work/switch.sh" || true)
            [ -z "$other" ] || { echo "${0##*/}: switch: the plan has lines this bench does not replay: $other" >&2; exit 1; }
            echo "  switch plan: $(grep -c '^route replace' "$work/switch-ip.batch") route replace," \
                "$(grep -c '^neigh del' "$work/switch-ip.batch") neigh del, $(wc -l <"$work/switch-bridge.batch") fdb del," \
                "$(wc -l <"$work/switch-link.batch") link/addr lines ($(tr '\n' ';' <"$work/switch-link.batch"))"
            if [ "$bench_stack" = dual ]; then
                echo "  IPv6: $(grep -c '^route replace' "$work/switch-ip6.batch") route replace," \
                    "$(grep -c '^neigh del' "$work/switch-ip6.batch") neigh del (fdb del of both devices above)"
            fi
        fi
        if [ $((rep % 2)) -eq 1 ]; then
            ours+=("$(bench_time_in "$a" 0 "$bin apply ${inputs[*]} --backend host-gw")")
            theirs+=("$(bench_time_in "$b" 0 "$batches")")
        else
            theirs+=("$(bench_time_in "$b" 0 "$batches")")
            ours+=("$(bench_time_in "$a" 0 "$bin apply ${inputs[*]} --backend host-gw")")
        fi
        if [ "$rep" -eq 1 ]; then
            bench_same_objects "$a" "$b" switch
            local ns
            for ns in "$a" "$b"; do
                if [ -s "$work/switch-link.batch" ]; then
                    ! ip -n "$ns" link show flannel.1 >/dev/null 2>&1 || { echo "${0##*/}: switch: flannel.1 is still in $ns" >&2; exit 1; }
                fi
                bench_plan_empty "$ns" switch "${inputs[@]}" --backend host-gw
            done
            [ "$(ip -n "$a" route show | grep -c '^10\.[0-9.]*/24 via 172\.[0-9.]* dev eth0 *$')" -eq "$n" ] \
                || { echo "${0##*/}: switch: not $n host-gw routes via eth0" >&2; exit 1; }
            if [ "$bench_stack" = dual ]; then
                [ "$(ip -n "$a" -6 route show | grep -c '^fd00:0:0:[0-9a-f]*::/64 via fd00:172:16::[0-9a-f:]* dev eth0 ')" -eq "$n" ] \
                    || { echo "${0##*/}: switch: not $n IPv6 host-gw routes via eth0" >&2; exit 1; }
            fi
        fi
        bench_drop_node "$a"; bench_drop_node "$b"
    done
    local o t
    read -r -a o < <(bench_medians "${ours[@]}"); read -r -a t < <(bench_medians "${theirs[@]}")
    bench_record switch "$n" ours "${o[*]}"; bench_record switch "$n" iproute2 "${t[*]}"
    printf '  %-44s %24s\n' "netplan-flannel apply --backend host-gw" "${o[0]} (${o[1]}) [${o[2]}]"
    local label="ip -batch + bridge -batch"
    [ -s "$work/switch-ip6.batch" ] && label="ip -batch + ip -6 -batch + bridge -batch"
    [ -s "$work/switch-link.batch" ] && label+=" + ip -batch (link)"
    printf '  %-44s %24s\n' "$label" "${t[0]} (${t[1]}) [${t[2]}]"
    printf '  %-44s %24s   (median of %d, ms: wall (CPU) [user])\n' "ratio" \
        "$(bench_ratio "${o[0]}" "${t[0]}") ($(bench_ratio "${o[1]}" "${t[1]}")) [$(bench_ratio "${o[2]}" "${t[2]}")]" "$runs"
}

# --- drift repair under reconcile ---------------------------------------------------------------
# `reconcile` (lease file, --interval 1h, so every repair comes from a kernel notification) on a
# node converged the iproute2 way. REPAIRS times per kind, one random peer's route, neighbour or
# fdb entry is deleted with ip/bridge, and the repair is timed from `ip -ts monitor route neigh`
# in the node (one process, one clock, which sees all three kinds: it prints the bridge's fdb
# notices as "DST dev flannel.1 lladdr MAC"):
#   notice   from the kernel's announcement of the deletion to its announcement of the object
#            back: the agent's reaction (debounce, a full observe + plan + apply pass);
#   command  from just before the deleting ip/bridge process is spawned (bash $EPOCHREALTIME, the
#            same realtime clock) to the object back: adds that process's start.
# The next deletion waits for the agent's "repaired" log line of the previous one. Each kind
# starts with one unrecorded deletion (the agent's first pass). `pass` is the agent's own
# duration_ms of its repairing passes. Then the agent is stopped, and the floor is timed: the
# single iproute2 command that re-adds a deleted object (`ip route replace …`, `ip neigh replace
# …`, `bridge fdb replace …`, whole process). flannel does not repair drift, so this is a floor,
# not a competitor. Needs bench_cluster N first.
bench_repair_case() {
    local n=$1 repairs=$2 ns mon log agent monitor
    bench_converged_node; ns=$node
    mon=$work/monitor-$n.log; log=$work/agent-$n.log
    : >"$mon"; : >"$log"   # there before the background processes open them, for the greps below
    ip netns exec "$ns" ip -ts monitor route neigh >"$mon" 2>&1 &
    monitor=$!; bench_pids+=("$monitor")
    ip netns exec "$ns" "$bin" reconcile "${inputs[@]}" --metrics-address off --interval 1h >"$log" 2>&1 &
    agent=$!; bench_pids+=("$agent")
    local waited=0
    until grep -q 'reconcile started' "$log"; do
        sleep 0.05; waited=$((waited + 1))
        if [ "$waited" -gt 600 ] || ! kill -0 "$agent" 2>/dev/null; then
            echo "${0##*/}: repair: the agent did not start:" >&2; cat "$log" >&2; exit 1
        fi
    done
    local routes=() neighbours=() fdbs=()
    mapfile -t routes < <(grep '^route ' "$work/ip.batch")
    mapfile -t neighbours < <(grep '^neigh ' "$work/ip.batch")
    mapfile -t fdbs < <(grep ' dev flannel\.1 ' "$work/bridge.batch")
    local kind r line f key perm delete readd mark before s hms out tries
    local -A notice=() command=() pass=() floor=()
    for kind in route neigh fdb; do
        for r in $(seq 0 "$repairs"); do
            case $kind in
                route) line=${routes[$(( (RANDOM * 32768 + RANDOM) % ${#routes[@]} ))]}; read -r -a f <<<"$line"
                       # route replace DST via GW dev flannel.1 onlink
                       key="${f[2]} via"; perm=""; delete="ip -n $ns route del ${f[2]}"; readd="ip $line" ;;
                neigh) line=${neighbours[$(( (RANDOM * 32768 + RANDOM) % ${#neighbours[@]} ))]}; read -r -a f <<<"$line"
                       # neigh replace IP lladdr MAC dev flannel.1 nud permanent
                       key="${f[2]} dev flannel.1"; perm=PERMANENT; delete="ip -n $ns neigh del ${f[2]} dev flannel.1"; readd="ip $line" ;;
                fdb)   line=${fdbs[$(( (RANDOM * 32768 + RANDOM) % ${#fdbs[@]} ))]}; read -r -a f <<<"$line"
                       # fdb replace MAC dev flannel.1 dst IP self permanent
                       key="${f[6]} dev flannel.1 lladdr ${f[2]}"; perm=PERMANENT
                       delete="bridge -n $ns fdb del ${f[2]} dev flannel.1 dst ${f[6]} self"; readd="bridge $line" ;;
            esac
            mark=$(wc -l <"$mon"); before=$(grep -c 'repaired:' "$log" || true)
            s=$EPOCHREALTIME
            $delete
            printf -v hms '%(%H:%M:%S)T' "${s%.*}"
            out=""; tries=0
            while :; do
                if [ "$(grep -c 'repaired:' "$log" || true)" -gt "$before" ]; then
                    out=$(tail -n +"$((mark + 1))" "$mon" | awk -v key="$key" -v perm="$perm" -v hms="$hms" -v frac="${s#*.}" '
                        function tod(hhmmss,  a) { split(hhmmss, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
                        function ms(d) { if (d < -43200) d += 86400; return d * 1000 }
                        BEGIN { start = tod(hms) + ("0." frac) }
                        {
                            ts = tod(substr($1, 13, 15)); text = substr($0, index($0, "] ") + 2); deleted = 0
                            if (substr(text, 1, 8) == "Deleted ") { text = substr(text, 9); deleted = 1 }
                            if (index(text, key) != 1) next
                            if (seen && !deleted && (perm == "" || index(text, perm))) { printf "%.3f %.3f\n", ms(ts - start), ms(ts - first); exit }
                            if (!seen) { seen = 1; first = ts }
                        }')
                    [ -n "$out" ] && break
                fi
                tries=$((tries + 1))
                if [ "$tries" -gt 3000 ] || ! kill -0 "$agent" 2>/dev/null; then
                    echo "${0##*/}: repair: $kind '$line' not repaired within 15 s" >&2; tail -n 5 "$log" >&2; exit 1
                fi
                sleep 0.005
            done
            if [ "$r" -gt 0 ]; then
                command[$kind]+="${out% *} "; notice[$kind]+="${out#* } "
                pass[$kind]+="$(grep 'repaired:' "$log" | tail -n +"$((before + 1))" | sed -n 's/.*duration_ms=\([0-9.]*\).*/\1/p' | head -n 1) "
            fi
        done
    done
    kill "$agent" "$monitor" 2>/dev/null || true; wait "$agent" "$monitor" 2>/dev/null || true
    bench_forget_pid "$agent"; bench_forget_pid "$monitor"
    bench_plan_empty "$ns" repair "${inputs[@]}"
    # The floor: the one command that puts a deleted object back, agent stopped.
    for kind in route neigh fdb; do
        for r in $(seq "$(( repairs < 15 ? repairs : 15 ))"); do
            case $kind in
                route) line=${routes[$(( (RANDOM * 32768 + RANDOM) % ${#routes[@]} ))]}; read -r -a f <<<"$line"
                       ip -n "$ns" route del "${f[2]}"; readd="ip $line" ;;
                neigh) line=${neighbours[$(( (RANDOM * 32768 + RANDOM) % ${#neighbours[@]} ))]}; read -r -a f <<<"$line"
                       ip -n "$ns" neigh del "${f[2]}" dev flannel.1; readd="ip $line" ;;
                fdb)   line=${fdbs[$(( (RANDOM * 32768 + RANDOM) % ${#fdbs[@]} ))]}; read -r -a f <<<"$line"
                       bridge -n "$ns" fdb del "${f[2]}" dev flannel.1 dst "${f[6]}" self; readd="bridge $line" ;;
            esac
            floor[$kind]+="$(bench_time_in "$ns" 0 "$readd") "
        done
    done
    bench_plan_empty "$ns" "repair floor" "${inputs[@]}"
    printf '  %-6s %8s %8s  %8s %8s  %9s  %16s\n' kind "notice" "p99" "command" "p99" "pass" "floor: 1 command"
    for kind in route neigh fdb; do
        local nm np cm cp pm fm
        # Each holds numbers separated by spaces: split on purpose.
        # shellcheck disable=SC2086
        read -r nm np < <(bench_stats ${notice[$kind]})
        # shellcheck disable=SC2086
        read -r cm cp < <(bench_stats ${command[$kind]})
        # shellcheck disable=SC2086
        read -r pm _ < <(bench_stats ${pass[$kind]})
        # shellcheck disable=SC2086
        fm=$(printf '%s\n' ${floor[$kind]} | bench_median_ms 1)
        bench_record "repair-$kind" "$n" ours "$nm - -"; bench_record "repair-$kind" "$n" iproute2 "$fm - -"
        printf '  %-6s %8s %8s  %8s %8s  %9s  %16s\n' "$kind" "$nm" "$np" "$cm" "$cp" "$pm" "$fm"
    done
    echo "  (ms; median and p99 (nearest rank) of $repairs repairs per kind; the floor is the median whole-process time of" \
         "the one iproute2 command that re-adds the object: a floor, not a competitor, since flannel repairs nothing)"
    bench_drop_node "$ns"
}

# Median and p99 (nearest rank) of numbers given as arguments, in the same unit, one decimal.
bench_stats() {
    printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END {
        if (NR == 0) { print "n/a n/a"; exit }
        m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
        r = int(0.99 * NR); if (r < 0.99 * NR) r++; if (r < 1) r = 1
        printf "%.1f %.1f\n", m, a[r] }'
}
