import NetState

extension Ownership {
    /// nil when the contract lets `change` be made, else why not. The executor asks this of
    /// every change before it sends anything, whatever produced the plan: a plan file edited by
    /// hand, a bug in the planner, a forged change in a test.
    ///
    /// Every object a change creates, replaces or deletes must be owned, with one widening the
    /// planner relies on: a neighbour or FDB entry on the vxlan device that the kernel learnt
    /// (not ours) may be replaced by the permanent one flannel would install, as flannel's
    /// `NeighSet` does.
    public func refusal(of change: Change) -> String? {
        func check<Object>(_ verb: Verb<Object>, owns: (Object) -> Bool, onDevice: ((Object) -> Bool)? = nil) -> String? {
            if let after = verb.after, !owns(after) { return "\(after) is not an object this tool may create" }
            if let before = verb.before, !owns(before) {
                if case .replace = verb, let onDevice, onDevice(before) { return nil }
                return "\(before) is not an object this tool owns"
            }
            return nil
        }
        switch change {
        case let .createLink(link), let .deleteLink(link):
            return owns(link) ? nil : "\(link.name) is not a vxlan device of this tool (\(vxlanDevice), \(vxlan6Device))"
        case let .modifyLink(old, new), let .recreateLink(old, new):
            return owns(old) && owns(new) && old.name == new.name
                ? nil : "only \(vxlanDevice) and \(vxlan6Device) may be changed, not \(old.name) → \(new.name)"
        case let .address(verb):
            return check(verb, owns: { isVxlanDevice($0.device) })
        case let .fdb(verb):
            return check(verb, owns: owns, onDevice: mayReplace)
        case let .neighbor(verb):
            return check(verb, owns: owns, onDevice: mayReplace)
        case let .route(verb):
            return check(verb, owns: owns)
        case let .table(verb):
            return check(verb, owns: { owns($0.key) })
        case let .iptables(change):
            return refusal(of: change)
        }
    }

    /// The first change of `changes` the contract refuses, with why.
    public func firstRefusal(in changes: [Change]) -> (change: Change, reason: String)? {
        for change in changes {
            if let reason = refusal(of: change) { return (change, reason) }
        }
        return nil
    }

    /// This contract, also protecting the FDB entries of skipped peers whose VtepMAC is not
    /// known (their record did not parse): the MAC their neighbour entry points at is theirs.
    public func protectingLearntMACs(in observed: NetworkState) -> Ownership {
        guard !skipped.subnets.isEmpty else { return self }
        var macs = skipped.macs
        for neighbor in observed.neighbors.values
        where isVxlanDevice(neighbor.key.device) && skipped.protects(neighbor) {
            if let mac = neighbor.lladdr { macs.insert(mac) }
        }
        guard macs != skipped.macs else { return self }
        var copy = self
        copy.skipped = SkippedObjects(subnets: skipped.subnets, publicIPs: skipped.publicIPs, macs: macs)
        return copy
    }
}
