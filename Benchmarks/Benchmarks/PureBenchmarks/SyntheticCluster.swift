import Foundation

/// A synthetic flannel cluster of `count` vxlan nodes, as the three lease formats an operator can
/// export. The same numbering as `scripts/gen-cluster`: network 10.0.0.0/8 with /24 leases from
/// 10.1.0.0 on, node i at PublicIP 172.16.0.0/12 + i + 1 with VtepMAC 0e:xx:xx:xx:00:01. Node 0
/// (172.16.0.1) is the node being planned.
struct SyntheticCluster: Sendable {
    let count: Int
    let netConf: [UInt8]
    /// `{"/coreos.com/network/subnets/10.1.0.0-24": {lease}, …}`.
    let keyedObject: [UInt8]
    /// `etcdctl get /coreos.com/network/subnets --prefix -w json`: keys and values base64.
    let etcdctl: [UInt8]
    /// `kubectl get nodes -o json`, each node with the flannel annotations and a trimmed but
    /// realistic status, so the parser skips what a real node list holds besides the lease.
    let kubectl: [UInt8]

    init(count: Int) {
        self.count = count
        // nf_tables mode: flannel's table is then a desired object the "observed" copy holds too.
        // (In iptables mode, flannel's rules are read from the shared tables, which a copy of the
        // desired state does not have: the converged plan would not be empty.)
        netConf = Array(#"{"Network": "10.0.0.0/8", "EnableNFTables": true, "Backend": {"Type": "vxlan"}}"#.utf8)
        var keyed = "{"
        var etcd = #"{"header":{"cluster_id":14841639068965178418,"member_id":10276657743932975437,"revision":\#(count + 7),"raft_term":3},"kvs":["#
        var kube = #"{"apiVersion":"v1","kind":"List","metadata":{"resourceVersion":""},"items":["#
        keyed.reserveCapacity(count * 140)
        etcd.reserveCapacity(count * 260)
        kube.reserveCapacity(count * 1_400)
        for i in 0..<count {
            let node = SyntheticNode(i)
            let lease = #"{"PublicIP":"\#(node.publicIP)","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"\#(node.mac)"}}"#
            let key = "/coreos.com/network/subnets/\(node.subnetKey)"
            let separator = i == 0 ? "" : ","
            keyed += "\(separator)\n\"\(key)\":\(lease)"
            let key64 = Data(key.utf8).base64EncodedString()
            let value64 = Data(lease.utf8).base64EncodedString()
            etcd += #"\#(separator){"key":"\#(key64)","create_revision":\#(i + 5),"mod_revision":\#(i + 5),"version":1,"value":"\#(value64)","lease":\#(7_587_869_032_161_231_000 + i)}"#
            kube += separator + node.kubectlNode
        }
        keyed += "\n}\n"
        etcd += #"],"count":\#(count)}"# + "\n"
        kube += "]}\n"
        keyedObject = Array(keyed.utf8)
        etcdctl = Array(etcd.utf8)
        kubectl = Array(kube.utf8)
    }
}

/// Node i's addresses, spelled as flannel and Kubernetes spell them.
struct SyntheticNode {
    let name: String
    let subnetKey: String
    let podCIDR: String
    let publicIP: String
    let mac: String

    init(_ i: Int) {
        let s = i + 256
        let ip = i + 1
        name = "node-\(i)"
        subnetKey = "10.\(s / 256).\(s % 256).0-24"
        podCIDR = "10.\(s / 256).\(s % 256).0/24"
        publicIP = "172.\(16 + ip / 65_536).\((ip / 256) % 256).\(ip % 256)"
        mac = "0e:" + [(i / 65_536) % 256, (i / 256) % 256, i % 256].map(Self.hex).joined(separator: ":") + ":00:01"
    }

    private static func hex(_ byte: Int) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }

    var kubectlNode: String {
        let backendData = #"{\"VNI\":1,\"VtepMAC\":\"\#(mac)\"}"#
        return #"""
            {"apiVersion":"v1","kind":"Node","metadata":{"annotations":{"flannel.alpha.coreos.com/backend-data":"\#(backendData)","flannel.alpha.coreos.com/backend-type":"vxlan","flannel.alpha.coreos.com/kube-subnet-manager":"true","flannel.alpha.coreos.com/public-ip":"\#(publicIP)","node.alpha.kubernetes.io/ttl":"0","volumes.kubernetes.io/controller-managed-attach-detach":"true"},"creationTimestamp":"2026-11-20T10:00:00Z","labels":{"beta.kubernetes.io/arch":"amd64","beta.kubernetes.io/os":"linux","kubernetes.io/arch":"amd64","kubernetes.io/hostname":"\#(name)","kubernetes.io/os":"linux"},"name":"\#(name)","resourceVersion":"123456","uid":"6b8f3c1e-0000-4000-8000-\#(String(repeating: "0", count: 12))"},"spec":{"podCIDR":"\#(podCIDR)","podCIDRs":["\#(podCIDR)"]},"status":{"addresses":[{"address":"\#(publicIP)","type":"InternalIP"},{"address":"\#(name)","type":"Hostname"}],"allocatable":{"cpu":"4","ephemeral-storage":"47093746742","memory":"16283048Ki","pods":"110"},"capacity":{"cpu":"4","ephemeral-storage":"51098632Ki","memory":"16385448Ki","pods":"110"},"conditions":[{"lastHeartbeatTime":"2026-11-20T10:05:00Z","lastTransitionTime":"2026-11-20T10:00:00Z","message":"kubelet is posting ready status","reason":"KubeletReady","status":"True","type":"Ready"}],"nodeInfo":{"architecture":"amd64","containerRuntimeVersion":"containerd://1.7.22","kernelVersion":"6.1.0-26-amd64","kubeProxyVersion":"v1.31.2","kubeletVersion":"v1.31.2","operatingSystem":"linux","osImage":"Debian GNU/Linux 12 (bookworm)"}}}
            """#
    }
}
