#!/usr/bin/env bash
# desired state of node 172.20.0.13: lease 172.1.13.0/24, backend host-gw, built on an empty node
# net-conf: net-conf.json
# leases: leases.json
set -euo pipefail

# + route 172.1.14.0/24 via 172.20.0.14 dev ens3
ip route replace 172.1.14.0/24 via 172.20.0.14 dev ens3
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
		ip saddr 172.1.13.0/24 ip daddr 172.1.0.0/16 return
		ip saddr 172.1.0.0/16 ip daddr 172.1.13.0/24 return
		ip saddr != 172.1.0.0/16 ip daddr 172.1.13.0/24 return
		ip saddr 172.1.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random
		ip saddr != 172.1.0.0/16 ip daddr 172.1.0.0/16 masquerade fully-random
	}

	chain forward {
		comment "chain to accept flannel traffic"
		type filter hook forward priority filter; policy accept;
		ip saddr 172.1.0.0/16 accept
		ip daddr 172.1.0.0/16 accept
	}
}
NFT
