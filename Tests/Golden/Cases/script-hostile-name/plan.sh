#!/usr/bin/env bash
# netplan-flannel plan for node 172.22.0.239: lease 10.244.0.0/24, backend vxlan
# net-conf: net-conf.json
# leases: leases.json
set -euo pipefail

# - route 10.244.5.0/24 via 10.244.5.0 dev flannel.1 onlink
ip route del 10.244.5.0/24 via 10.244.5.0 dev flannel.1 onlink
# - neigh 10.244.5.0 lladdr 0e:4c:8b:10:05:01 dev flannel.1 nud permanent
ip neigh del 10.244.5.0 dev flannel.1
# - fdb 0e:4c:8b:10:05:01 dev flannel.1 dst 172.22.0.64 self permanent
bridge fdb del 0e:4c:8b:10:05:01 dev flannel.1 dst 172.22.0.64 self
