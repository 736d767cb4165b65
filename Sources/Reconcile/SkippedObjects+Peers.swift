import Desired
import NetState
import Planner

extension SkippedObjects {
    /// What the skipped peers own in the kernel, from what was read of them.
    public init(_ peers: [SkippedPeer]) {
        self.init(
            subnets: Set(peers.compactMap { $0.subnet.map(IPPrefix.v4) }),
            publicIPs: Set(peers.compactMap { $0.publicIP.map(IPAddress.v4) }),
            macs: Set(peers.compactMap(\.vtepMAC))
        )
    }
}
