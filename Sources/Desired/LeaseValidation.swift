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
        // before the furthest end seen so far: one pass, no pairwise comparison. What is sorted is
        // each lease's subnet packed in one word with its index, not the leases themselves; keys
        // are compared only between equal subnets.
        var order: [(subnet: UInt64, index: Int)] = []
        order.reserveCapacity(leases.count)
        for index in leases.indices {
            let subnet = leases[index].subnet
            order.append((UInt64(subnet.address.value) << 8 | UInt64(subnet.length), index))
        }
        order.sort {
            $0.subnet != $1.subnet ? $0.subnet < $1.subnet : leases[$0.index].key < leases[$1.index].key
        }
        var widest: Int?
        var previousInOrder: Int?
        for (_, index) in order {
            defer { previousInOrder = index }
            let subnet = leases[index].subnet
            // Equal subnets sort next to each other: a duplicate is always the previous lease,
            // even when a wider lease covering both came first.
            if let previous = previousInOrder, leases[previous].subnet == subnet,
               widest.map({ leases[$0].subnet }) != subnet
            {
                problems.append(
                    InputError(
                        .duplicateLease, source: source, field: "\(leases[previous].key) and \(leases[index].key)",
                        "both lease subnet \(subnet)"
                    )
                )
            } else if let previous = widest, leases[previous].subnet.lastAddress >= subnet.address {
                let duplicate = leases[previous].subnet == subnet
                problems.append(
                    InputError(
                        duplicate ? .duplicateLease : .overlappingLeases, source: source,
                        field: "\(leases[previous].key) and \(leases[index].key)",
                        duplicate
                            ? "both lease subnet \(subnet)"
                            : "subnets \(leases[previous].subnet) and \(subnet) overlap"
                    )
                )
            }
            if widest.map({ subnet.lastAddress > leases[$0].subnet.lastAddress }) ?? true { widest = index }
        }
        return problems
    }
}
