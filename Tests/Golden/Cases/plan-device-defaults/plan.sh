#!/usr/bin/env bash
# netplan-flannel plan for node 172.22.0.239: lease 10.244.0.0/24, backend vxlan
# net-conf: net-conf.json
# leases: leases.json
set -euo pipefail

# ~ link flannel.1 address 0e:4c:8b:10:00:01 mtu 1450 qlen 1000 type vxlan id 1 local 172.22.0.239 dev eth0 dstport 8472 nolearning up accept_ra 1 → flannel.1 address 0e:4c:8b:10:00:01 mtu 1450 qlen 0 type vxlan id 1 local 172.22.0.239 dev eth0 dstport 8472 nolearning up accept_ra 0
ip link set dev flannel.1 txqueuelen 0
sysctl -w net.ipv6.conf.flannel/1.accept_ra=0
