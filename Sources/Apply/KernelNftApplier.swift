import Netlink

/// Sends nf_tables batches to the kernel of the calling thread's network namespace, on a
/// `NETLINK_NETFILTER` socket opened per batch.
public struct KernelNftApplier: NftApplying {
    public init() {}

    public func apply(_ batch: NftBatch) throws(NetlinkError) {
        try NftTransaction.execute(batch)
    }
}
