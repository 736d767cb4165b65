#!/usr/bin/env bash
# netplan-flannel plan for node 172.22.0.239: lease 10.244.0.0/24, backend host-gw
# net-conf: net-conf.json
# leases: leases.json
set -euo pipefail

# ~ route 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink → 10.244.1.0/24 via 172.22.1.176 dev eth0
ip route replace 10.244.1.0/24 via 172.22.1.176 dev eth0
# ~ route 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink → 10.244.2.0/24 via 172.22.0.117 dev eth0
ip route replace 10.244.2.0/24 via 172.22.0.117 dev eth0
# ~ route 10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink → 10.244.3.0/24 via 172.22.0.76 dev eth0
ip route replace 10.244.3.0/24 via 172.22.0.76 dev eth0
# ~ route 10.244.4.0/24 via 10.244.4.0 dev flannel.1 onlink → 10.244.4.0/24 via 172.22.0.212 dev eth0
ip route replace 10.244.4.0/24 via 172.22.0.212 dev eth0
# ~ route 10.244.5.0/24 via 10.244.5.0 dev flannel.1 onlink → 10.244.5.0/24 via 172.22.0.64 dev eth0
ip route replace 10.244.5.0/24 via 172.22.0.64 dev eth0
# - neigh 10.244.1.0 lladdr 0e:4c:8b:10:01:01 dev flannel.1 nud permanent
ip neigh del 10.244.1.0 dev flannel.1
# - neigh 10.244.2.0 lladdr 0e:4c:8b:10:02:01 dev flannel.1 nud permanent
ip neigh del 10.244.2.0 dev flannel.1
# - neigh 10.244.3.0 lladdr 0e:4c:8b:10:03:01 dev flannel.1 nud permanent
ip neigh del 10.244.3.0 dev flannel.1
# - neigh 10.244.4.0 lladdr 0e:4c:8b:10:04:01 dev flannel.1 nud permanent
ip neigh del 10.244.4.0 dev flannel.1
# - neigh 10.244.5.0 lladdr 0e:4c:8b:10:05:01 dev flannel.1 nud permanent
ip neigh del 10.244.5.0 dev flannel.1
# - fdb 0e:4c:8b:10:01:01 dev flannel.1 dst 172.22.1.176 self permanent
bridge fdb del 0e:4c:8b:10:01:01 dev flannel.1 dst 172.22.1.176 self
# - fdb 0e:4c:8b:10:02:01 dev flannel.1 dst 172.22.0.117 self permanent
bridge fdb del 0e:4c:8b:10:02:01 dev flannel.1 dst 172.22.0.117 self
# - fdb 0e:4c:8b:10:03:01 dev flannel.1 dst 172.22.0.76 self permanent
bridge fdb del 0e:4c:8b:10:03:01 dev flannel.1 dst 172.22.0.76 self
# - fdb 0e:4c:8b:10:04:01 dev flannel.1 dst 172.22.0.212 self permanent
bridge fdb del 0e:4c:8b:10:04:01 dev flannel.1 dst 172.22.0.212 self
# - fdb 0e:4c:8b:10:05:01 dev flannel.1 dst 172.22.0.64 self permanent
bridge fdb del 0e:4c:8b:10:05:01 dev flannel.1 dst 172.22.0.64 self
