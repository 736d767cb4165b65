import Netlink

/// The hook through which the executor installs nf_tables batches (`NftEncoder.replace` /
/// `.delete`). The executor only builds the batch and decides when; sending it is the
/// nf_tables transport's work (`KernelNftApplier` sends it with `NftTransaction`), and tests
/// substitute a recorder.
public protocol NftApplying {
    /// Commits `batch` as one transaction, or throws the kernel's first error (the transaction
    /// is then aborted whole: nothing of it was applied).
    func apply(_ batch: NftBatch) throws(NetlinkError)
}
