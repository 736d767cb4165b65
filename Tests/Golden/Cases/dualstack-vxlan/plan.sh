#!/usr/bin/env bash
# netplan-flannel plan for node 172.22.0.239 fd00:172:22::239: lease 10.244.0.0/24 fd00:10:244::/64, backend vxlan
# net-conf: net-conf.json
# leases: leases.json
set -euo pipefail

# + link flannel.1 address 0e:4c:8b:10:00:01 mtu 1450 qlen 0 type vxlan id 1 local 172.22.0.239 dev eth0 dstport 8472 nolearning up accept_ra 0
ip link add flannel.1 address 0e:4c:8b:10:00:01 mtu 1450 txqueuelen 0 type vxlan id 1 local 172.22.0.239 dev eth0 dstport 8472 nolearning
sysctl -w net.ipv6.conf.flannel/1.accept_ra=0
ip link set flannel.1 up
# + link flannel-v6.1 address 0e:4c:8b:10:00:06 mtu 1430 qlen 0 type vxlan id 1 local fd00:172:22::239 dev eth0 dstport 8472 nolearning up accept_ra 0
ip link add flannel-v6.1 address 0e:4c:8b:10:00:06 mtu 1430 txqueuelen 0 type vxlan id 1 local fd00:172:22::239 dev eth0 dstport 8472 nolearning
sysctl -w net.ipv6.conf.flannel-v6/1.accept_ra=0
ip link set flannel-v6.1 up
# + addr fd00:10:244::/128 dev flannel-v6.1
ip -6 addr replace fd00:10:244::/128 dev flannel-v6.1
# + addr 10.244.0.0/32 dev flannel.1
ip addr replace 10.244.0.0/32 dev flannel.1
# + fdb 0e:4c:8b:10:01:06 dev flannel-v6.1 dst fd00:172:22::1:176 self permanent
bridge fdb replace 0e:4c:8b:10:01:06 dev flannel-v6.1 dst fd00:172:22::1:176 self permanent
# + fdb 0e:4c:8b:10:02:06 dev flannel-v6.1 dst fd00:172:22::117 self permanent
bridge fdb replace 0e:4c:8b:10:02:06 dev flannel-v6.1 dst fd00:172:22::117 self permanent
# + fdb 0e:4c:8b:10:03:06 dev flannel-v6.1 dst fd00:192:168:5::5 self permanent
bridge fdb replace 0e:4c:8b:10:03:06 dev flannel-v6.1 dst fd00:192:168:5::5 self permanent
# + fdb 0e:4c:8b:10:01:01 dev flannel.1 dst 172.22.1.176 self permanent
bridge fdb replace 0e:4c:8b:10:01:01 dev flannel.1 dst 172.22.1.176 self permanent
# + fdb 0e:4c:8b:10:02:01 dev flannel.1 dst 172.22.0.117 self permanent
bridge fdb replace 0e:4c:8b:10:02:01 dev flannel.1 dst 172.22.0.117 self permanent
# + fdb 0e:4c:8b:10:03:01 dev flannel.1 dst 192.168.5.5 self permanent
bridge fdb replace 0e:4c:8b:10:03:01 dev flannel.1 dst 192.168.5.5 self permanent
# + neigh fd00:10:244:1:: lladdr 0e:4c:8b:10:01:06 dev flannel-v6.1 nud permanent
ip -6 neigh replace fd00:10:244:1:: lladdr 0e:4c:8b:10:01:06 dev flannel-v6.1 nud permanent
# + neigh fd00:10:244:2:: lladdr 0e:4c:8b:10:02:06 dev flannel-v6.1 nud permanent
ip -6 neigh replace fd00:10:244:2:: lladdr 0e:4c:8b:10:02:06 dev flannel-v6.1 nud permanent
# + neigh fd00:10:244:3:: lladdr 0e:4c:8b:10:03:06 dev flannel-v6.1 nud permanent
ip -6 neigh replace fd00:10:244:3:: lladdr 0e:4c:8b:10:03:06 dev flannel-v6.1 nud permanent
# + neigh 10.244.1.0 lladdr 0e:4c:8b:10:01:01 dev flannel.1 nud permanent
ip neigh replace 10.244.1.0 lladdr 0e:4c:8b:10:01:01 dev flannel.1 nud permanent
# + neigh 10.244.2.0 lladdr 0e:4c:8b:10:02:01 dev flannel.1 nud permanent
ip neigh replace 10.244.2.0 lladdr 0e:4c:8b:10:02:01 dev flannel.1 nud permanent
# + neigh 10.244.3.0 lladdr 0e:4c:8b:10:03:01 dev flannel.1 nud permanent
ip neigh replace 10.244.3.0 lladdr 0e:4c:8b:10:03:01 dev flannel.1 nud permanent
# + route 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
ip route replace 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
# + route 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
ip route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
# + route 10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink
ip route replace 10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink
# + route fd00:10:244:1::/64 via fd00:10:244:1:: dev flannel-v6.1 metric 1024 onlink
ip -6 route replace fd00:10:244:1::/64 via fd00:10:244:1:: dev flannel-v6.1 metric 1024 onlink
# + route fd00:10:244:2::/64 via fd00:10:244:2:: dev flannel-v6.1 metric 1024 onlink
ip -6 route replace fd00:10:244:2::/64 via fd00:10:244:2:: dev flannel-v6.1 metric 1024 onlink
# + route fd00:10:244:3::/64 via fd00:10:244:3:: dev flannel-v6.1 metric 1024 onlink
ip -6 route replace fd00:10:244:3::/64 via fd00:10:244:3:: dev flannel-v6.1 metric 1024 onlink
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
-A FLANNEL-POSTRTG -s 10.244.0.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 -d 10.244.0.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/24 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s 10.244.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s 10.244.0.0/16 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
COMMIT
IPTABLES
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
-A FLANNEL-POSTRTG -s fd00:10:244::/64 -d fd00:10:244::/56 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s fd00:10:244::/56 -d fd00:10:244::/64 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG ! -s fd00:10:244::/56 -d fd00:10:244::/64 -m comment --comment "flanneld masq" -j RETURN
-A FLANNEL-POSTRTG -s fd00:10:244::/56 ! -d ff00::/8 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
-A FLANNEL-POSTRTG ! -s fd00:10:244::/56 -d fd00:10:244::/56 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
COMMIT
IPTABLES
