#!/usr/bin/env bash
# desired state of node 172.22.0.239: lease 10.244.0.0/24, backend host-gw, built on an empty node
# net-conf: net-conf.json
# leases: leases.json
set -euo pipefail

# + route 10.244.1.0/24 via 172.22.1.176 dev eth0
ip route replace 10.244.1.0/24 via 172.22.1.176 dev eth0
# + route 10.244.2.0/24 via 172.22.0.117 dev eth0
ip route replace 10.244.2.0/24 via 172.22.0.117 dev eth0
# + route 10.244.3.0/24 via 172.22.0.76 dev eth0
ip route replace 10.244.3.0/24 via 172.22.0.76 dev eth0
# + route 10.244.4.0/24 via 172.22.0.212 dev eth0
ip route replace 10.244.4.0/24 via 172.22.0.212 dev eth0
# + route 10.244.5.0/24 via 172.22.0.64 dev eth0
ip route replace 10.244.5.0/24 via 172.22.0.64 dev eth0
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
