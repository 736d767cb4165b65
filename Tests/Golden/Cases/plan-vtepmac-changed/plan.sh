#!/usr/bin/env bash
# netplan-flannel plan for node 172.22.0.239: lease 10.244.0.0/24, backend vxlan
# net-conf: net-conf.json
# leases: leases.json
set -euo pipefail

# + fdb 0e:4c:8b:10:02:99 dev flannel.1 dst 172.22.0.117 self permanent
bridge fdb replace 0e:4c:8b:10:02:99 dev flannel.1 dst 172.22.0.117 self permanent
# ~ neigh 10.244.2.0 lladdr 0e:4c:8b:10:02:01 dev flannel.1 nud permanent → 10.244.2.0 lladdr 0e:4c:8b:10:02:99 dev flannel.1 nud permanent
ip neigh replace 10.244.2.0 lladdr 0e:4c:8b:10:02:99 dev flannel.1 nud permanent
# - fdb 0e:4c:8b:10:02:01 dev flannel.1 dst 172.22.0.117 self permanent
bridge fdb del 0e:4c:8b:10:02:01 dev flannel.1 dst 172.22.0.117 self
