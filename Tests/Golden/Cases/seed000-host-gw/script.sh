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
# + nft table ip flannel-ipv4
nft -f - <<'NFT'
table ip flannel-ipv4
delete table ip flannel-ipv4
table ip flannel-ipv4 {
	comment "rules for flannel-ipv4"
	chain postrtg {
		comment "chain to manage traffic masquerading by flannel"
		type nat hook postrouting priority srcnat; policy accept;
		meta mark & 0x00004000 == 0x00004000 return
		ip saddr 10.244.0.0/24 ip daddr 10.244.0.0/16 return
		ip saddr 10.244.0.0/16 ip daddr 10.244.0.0/24 return
		ip saddr != 10.244.0.0/16 ip daddr 10.244.0.0/24 return
		ip saddr 10.244.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random
		ip saddr != 10.244.0.0/16 ip daddr 10.244.0.0/16 masquerade fully-random
	}

	chain forward {
		comment "chain to accept flannel traffic"
		type filter hook forward priority filter; policy accept;
		ip saddr 10.244.0.0/16 accept
		ip daddr 10.244.0.0/16 accept
	}
}
NFT
