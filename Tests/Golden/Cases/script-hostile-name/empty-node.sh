#!/usr/bin/env bash
# netplan-flannel plan for node 172.22.0.239: lease 10.244.0.0/24, backend vxlan
# net-conf: net-conf.json
# leases: leases.json
set -euo pipefail

# + link flannel.1 address 0e:4c:8b:10:00:01 mtu 1450 qlen 0 type vxlan id 1 local 172.22.0.239 dev eth0;reboot dstport 8472 nolearning up accept_ra 0
ip link add flannel.1 address 0e:4c:8b:10:00:01 mtu 1450 txqueuelen 0 type vxlan id 1 local 172.22.0.239 dev 'eth0;reboot' dstport 8472 nolearning
sysctl -w net.ipv6.conf.flannel/1.accept_ra=0
ip link set flannel.1 up
# + addr 10.244.0.0/32 dev flannel.1
ip addr replace 10.244.0.0/32 dev flannel.1
# + fdb 0e:4c:8b:10:01:01 dev flannel.1 dst 172.22.1.176 self permanent
bridge fdb replace 0e:4c:8b:10:01:01 dev flannel.1 dst 172.22.1.176 self permanent
# + fdb 0e:4c:8b:10:02:01 dev flannel.1 dst 172.22.0.117 self permanent
bridge fdb replace 0e:4c:8b:10:02:01 dev flannel.1 dst 172.22.0.117 self permanent
# + fdb 0e:4c:8b:10:03:01 dev flannel.1 dst 172.22.0.76 self permanent
bridge fdb replace 0e:4c:8b:10:03:01 dev flannel.1 dst 172.22.0.76 self permanent
# + fdb 0e:4c:8b:10:04:01 dev flannel.1 dst 172.22.0.212 self permanent
bridge fdb replace 0e:4c:8b:10:04:01 dev flannel.1 dst 172.22.0.212 self permanent
# + neigh 10.244.1.0 lladdr 0e:4c:8b:10:01:01 dev flannel.1 nud permanent
ip neigh replace 10.244.1.0 lladdr 0e:4c:8b:10:01:01 dev flannel.1 nud permanent
# + neigh 10.244.2.0 lladdr 0e:4c:8b:10:02:01 dev flannel.1 nud permanent
ip neigh replace 10.244.2.0 lladdr 0e:4c:8b:10:02:01 dev flannel.1 nud permanent
# + neigh 10.244.3.0 lladdr 0e:4c:8b:10:03:01 dev flannel.1 nud permanent
ip neigh replace 10.244.3.0 lladdr 0e:4c:8b:10:03:01 dev flannel.1 nud permanent
# + neigh 10.244.4.0 lladdr 0e:4c:8b:10:04:01 dev flannel.1 nud permanent
ip neigh replace 10.244.4.0 lladdr 0e:4c:8b:10:04:01 dev flannel.1 nud permanent
# + route 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
ip route replace 10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink
# + route 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
ip route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
# + route 10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink
ip route replace 10.244.3.0/24 via 10.244.3.0 dev flannel.1 onlink
# + route 10.244.4.0/24 via 10.244.4.0 dev flannel.1 onlink
ip route replace 10.244.4.0/24 via 10.244.4.0 dev flannel.1 onlink
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
