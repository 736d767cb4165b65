import NetState

/// Checks a lease set against the network before anything is computed. Each problem names the
/// lease keys involved, so an operator can go straight to the etcd key or the node.
public enum LeaseValidation {
    /// Every problem found, in a stable order (outside-network first, then duplicates and
    /// overlaps by subnet). `check` prints them all; `desired` stops at the first.
    public static func problems(in leases: [Lease], network: IPv4Prefix, source: String?) -> [InputError] {
        var problems: [InputError] = []
        for lease in leases where !network.contains(lease.subnet) {
            problems.append(
                InputError(
                    .leaseOutsideNetwork, source: source, field: lease.key,
                    "subnet \(lease.subnet) is outside Network \(network)"
                )
            )
        }
        // Sorted by start address, a lease overlaps an earlier one exactly when it starts at or
        // before the furthest end seen so far: one pass, no pairwise comparison.
        let sorted = leases.sorted { ($0.subnet, $0.key) < ($1.subnet, $1.key) }
        var widest: Lease?
        var previousInOrder: Lease?
        for lease in sorted {
            defer { previousInOrder = lease }
            // Equal subnets sort next to each other: a duplicate is always the previous lease,
            // even when a wider lease covering both came first.
            if let previous = previousInOrder, previous.subnet == lease.subnet, widest?.subnet != lease.subnet {
                problems.append(
                    InputError(
                        .duplicateLease, source: source, field: "\(previous.key) and \(lease.key)",
                        "both lease subnet \(lease.subnet)"
                    )
                )
            } else if let previous = widest, previous.subnet.lastAddress >= lease.subnet.address {
                let duplicate = previous.subnet == lease.subnet
                problems.append(
                    InputError(
                        duplicate ? .duplicateLease : .overlappingLeases, source: source,
                        field: "\(previous.key) and \(lease.key)",
                        duplicate
                            ? "both lease subnet \(lease.subnet)"
                            : "subnets \(previous.subnet) and \(lease.subnet) overlap"
                    )
                )
            }
            if widest.map({ lease.subnet.lastAddress > $0.subnet.lastAddress }) ?? true { widest = lease }
        }
        return problems
    }
}
