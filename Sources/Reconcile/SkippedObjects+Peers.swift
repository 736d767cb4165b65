import Desired
import NetState
import Planner

extension SkippedObjects {
    /// What the skipped peers own in the kernel, from what was read of them.
    public init(_ peers: [SkippedPeer]) {
        self.init(
            subnets: Set(peers.compactMap(\.subnet)), publicIPs: Set(peers.compactMap(\.publicIP)),
            macs: Set(peers.compactMap(\.vtepMAC))
        )
    }
}
