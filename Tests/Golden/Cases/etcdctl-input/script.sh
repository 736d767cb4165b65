#!/usr/bin/env bash
# desired state of node 172.22.1.176: lease 10.244.1.0/24, backend vxlan, built on an empty node
# net-conf: net-conf.json
# leases: etcdctl.json
set -euo pipefail

# + link flannel.1 address 0e:4c:8b:10:01:01 mtu 1450 qlen 0 type vxlan id 1 local 172.22.1.176 dev eth0 dstport 8472 nolearning up accept_ra 0
ip link add flannel.1 address 0e:4c:8b:10:01:01 mtu 1450 txqueuelen 0 type vxlan id 1 local 172.22.1.176 dev eth0 dstport 8472 nolearning
sysctl -w net.ipv6.conf.flannel/1.accept_ra=0
ip link set flannel.1 up
# + addr 10.244.1.0/32 dev flannel.1
ip addr replace 10.244.1.0/32 dev flannel.1
# + fdb 0e:4c:8b:10:00:01 dev flannel.1 dst 172.22.0.239 self permanent
bridge fdb replace 0e:4c:8b:10:00:01 dev flannel.1 dst 172.22.0.239 self permanent
# + fdb 0e:4c:8b:10:02:01 dev flannel.1 dst 172.22.0.117 self permanent
bridge fdb replace 0e:4c:8b:10:02:01 dev flannel.1 dst 172.22.0.117 self permanent
# + neigh 10.244.0.0 lladdr 0e:4c:8b:10:00:01 dev flannel.1 nud permanent
ip neigh replace 10.244.0.0 lladdr 0e:4c:8b:10:00:01 dev flannel.1 nud permanent
# + neigh 10.244.2.0 lladdr 0e:4c:8b:10:02:01 dev flannel.1 nud permanent
ip neigh replace 10.244.2.0 lladdr 0e:4c:8b:10:02:01 dev flannel.1 nud permanent
# + route 10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink
ip route replace 10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink
# + route 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
ip route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
# + iptables -t filter: flannel's rules as flannel v0.20+ writes them (0 to delete, 3 to append, in one transaction)
iptables-nft-restore --noflush <<'IPTABLES'
*filter
-N FLANNEL-FWD
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A FLANNEL-FWD -s 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
-A FLANNEL-FWD -d 10.244.0.0/16 -m comment --comment "flanneld forward" -j ACCEPT
COMMIT
IPTABLES
# + iptables -t nat: flannel's rules as flannel v0.21+ writes them (0 to delete, 7 to append, in one transaction)
iptables-nft-restore --noflush <<'IPTABLES'
*nat
-N FLANNEL-POSTRTG
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.1.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
COMMIT
IPTABLES
