#!/usr/bin/env bash
# desired state of node fd00:172:22::1:176 (node1): lease fd00:10:244:1::/64, backend vxlan, built on an empty node
# net-conf: net-conf.json
# leases: nodes.json
set -euo pipefail

# + link flannel-v6.1 address 0e:4c:8b:10:01:06 mtu 1430 qlen 0 type vxlan id 1 local fd00:172:22::1:176 dev eth0 dstport 8472 nolearning up accept_ra 0
ip link add flannel-v6.1 address 0e:4c:8b:10:01:06 mtu 1430 txqueuelen 0 type vxlan id 1 local fd00:172:22::1:176 dev eth0 dstport 8472 nolearning
sysctl -w net.ipv6.conf.flannel-v6/1.accept_ra=0
ip link set flannel-v6.1 up
# + addr fd00:10:244:1::/128 dev flannel-v6.1
ip -6 addr replace fd00:10:244:1::/128 dev flannel-v6.1
# + fdb 0e:4c:8b:10:00:06 dev flannel-v6.1 dst fd00:172:22::239 self permanent
bridge fdb replace 0e:4c:8b:10:00:06 dev flannel-v6.1 dst fd00:172:22::239 self permanent
# + fdb 0e:4c:8b:10:02:06 dev flannel-v6.1 dst fd00:172:22::117 self permanent
bridge fdb replace 0e:4c:8b:10:02:06 dev flannel-v6.1 dst fd00:172:22::117 self permanent
# + neigh fd00:10:244:: lladdr 0e:4c:8b:10:00:06 dev flannel-v6.1 nud permanent
ip -6 neigh replace fd00:10:244:: lladdr 0e:4c:8b:10:00:06 dev flannel-v6.1 nud permanent
# + neigh fd00:10:244:2:: lladdr 0e:4c:8b:10:02:06 dev flannel-v6.1 nud permanent
ip -6 neigh replace fd00:10:244:2:: lladdr 0e:4c:8b:10:02:06 dev flannel-v6.1 nud permanent
# + route fd00:10:244::/64 via fd00:10:244:: dev flannel-v6.1 metric 1024 onlink
ip -6 route replace fd00:10:244::/64 via fd00:10:244:: dev flannel-v6.1 metric 1024 onlink
# + route fd00:10:244:2::/64 via fd00:10:244:2:: dev flannel-v6.1 metric 1024 onlink
ip -6 route replace fd00:10:244:2::/64 via fd00:10:244:2:: dev flannel-v6.1 metric 1024 onlink
# + ip6tables -t filter: flannel's rules as flannel v0.20+ writes them (0 to delete, 3 to append, in one transaction)
ip6tables-nft-restore --noflush <<'IPTABLES'
*filter
-N FLANNEL-FWD
-A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
-A FLANNEL-FWD -s fd00:10:244::/56 -m comment --comment "flanneld forward" -j ACCEPT
-A FLANNEL-FWD -d fd00:10:244::/56 -m comment --comment "flanneld forward" -j ACCEPT
COMMIT
IPTABLES
# + ip6tables -t nat: flannel's rules as flannel v0.21+ writes them (0 to delete, 7 to append, in one transaction)
ip6tables-nft-restore --noflush <<'IPTABLES'
*nat
-N FLANNEL-POSTRTG
-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s fd00:10:244:1::/64 -d fd00:10:244::/56 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s fd00:10:244::/56 -d fd00:10:244:1::/64 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s fd00:10:244::/56 -d fd00:10:244:1::/64 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s fd00:10:244::/56 ! -d ff00::/8 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s fd00:10:244::/56 -d fd00:10:244::/56 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
COMMIT
IPTABLES
