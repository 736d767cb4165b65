import NetState
import Netlink
import Planner

/// Applies a plan to the kernel, in the plan's order, and says exactly what happened.
///
/// - Link changes (create, modify, re-create, delete of the vxlan device) go one request per
///   `sendmsg`, each waiting for its ACK: a device's later requests (its `up`, its addresses)
///   depend on it, and a re-creation must not create after a delete that failed.
/// - After a link change the device indices are read again (one `RTM_GETLINK` dump), since a
///   new device has a new ifindex.
/// - Every run of other rtnetlink changes (addresses, fdb, neighbours, routes, their deletes) is
///   sent through the batch API: up to `maxBatchMessages` requests / `maxBatchBytes` per
///   batch, one sequence number each, every ACK matched to its change.
/// - `.table` changes go last, each as one atomic nf_tables transaction through `NftApplying`.
///
/// On the first error it stops: no further batch is sent. rtnetlink cannot abort a datagram
/// half-way (the kernel runs every message in it, whatever happened to the one before), so the
/// changes of the failed batch that come after the failure may still have been applied: they
/// are reported as they came back (`appliedAfterFailure`, `failedAfterFailure`), never as "not
/// attempted". `maxBatchMessages` bounds how many that can be.
public struct Applier: Sendable {
    public var maxBatchMessages: Int
    public var maxBatchBytes: Int

    public init(maxBatchMessages: Int = 1024, maxBatchBytes: Int = 64 * 1024) {
        self.maxBatchMessages = max(1, maxBatchMessages)
        self.maxBatchBytes = max(1, maxBatchBytes)
    }

    /// Applies `plan.changes` through `transport` (a `NETLINK_ROUTE` socket in the target
    /// namespace), `tables` (nil: `.table` changes are reported `unsupported`) and `deviceConf`
    /// (the vxlan device's `accept_ra`; nil: not written, for tests of the netlink side alone).
    ///
    /// Before anything is sent, every change is checked against `plan.ownership`: a plan that
    /// would touch one object the contract does not grant is refused whole (reported as failed
    /// at that change, everything else not attempted), whatever produced it.
    /// - Parameter nftGeneration: the nf_tables ruleset generation the plan was made from
    ///   (`ObservedNode.nftGeneration`). Each nf_tables transaction names it (plus one for each
    ///   transaction this apply committed before it), so the kernel refuses it with `ERESTART`
    ///   if anyone changed the ruleset since the observation: deletes by handle then never hit
    ///   a rule that took a stale handle. Nil: no such check (a plan from a snapshot).
    public func apply(
        _ plan: Plan, using transport: some NetlinkTransport, tables: (any NftApplying)? = nil,
        deviceConf: (any DeviceConfApplying)? = nil, nftGeneration: UInt32? = nil
    ) -> ApplyReport {
        var run = Run(changes: plan.changes)
        run.nftGeneration = nftGeneration
        if let (change, reason) = plan.ownership.firstRefusal(in: plan.changes) {
            var report = ApplyReport()
            report.failure = ApplyFailure(
                change: change,
                error: NetlinkError(.request("ownership check"), errno: Errno.notPermitted.rawValue, detail: "refused before sending anything: \(reason)")
            )
            report.notAttempted = plan.changes.filter { $0 != change }
            return report
        }
        var indices: [String: UInt32]?
        var position = 0
        let changes = plan.changes
        while position < changes.count, run.report.failure == nil {
            let change = changes[position]
            if change.isTable {
                applyTable(change, at: position, tables: tables, run: &run)
                position += 1
                continue
            }
            if indices == nil {
                do {
                    indices = try DeviceIndices.read(using: transport)
                } catch {
                    run.fail(at: position, ApplyFailure(change: change, error: error))
                    break
                }
            }
            guard let known = indices else { break }
            if change.isLinkChange {
                applyLink(change, at: position, indices: known, transport: transport, deviceConf: deviceConf, run: &run)
                indices = nil
                position += 1
            } else {
                var end = position
                while end < changes.count, !changes[end].isLinkChange, !changes[end].isTable { end += 1 }
                applyBatch(position..<end, indices: known, transport: transport, run: &run)
                position = end
            }
        }
        return run.finish()
    }

    // MARK: steps

    private func applyLink(
        _ change: Change, at position: Int, indices: [String: UInt32], transport: some NetlinkTransport,
        deviceConf: (any DeviceConfApplying)?, run: inout Run
    ) {
        let messages: [EncodedMessage]
        do {
            messages = try ChangeEncoder.messages(for: change, indices: indices)
        } catch {
            if change.isDelete, case .unknownDevice = error.reason {
                run.succeed(at: position, converged: true)
            } else {
                run.fail(at: position, ApplyFailure(change: change, error: error.asNetlinkError))
            }
            return
        }
        var converged = false
        var done: [String] = []
        // accept_ra: a new device's before its last request (`up`), as flanneld sets it right
        // after creating the device; a kept device's after its requests (it may have none).
        let acceptRA = deviceConf == nil ? nil : ChangeEncoder.acceptRAWrite(for: change)
        let acceptRABefore: Int
        switch change {
        case .createLink, .recreateLink: acceptRABefore = max(0, messages.count - 1)
        default: acceptRABefore = messages.count
        }
        func failed(_ error: NetlinkError) -> ApplyFailure {
            // A re-creation that deleted the old device and then failed leaves no device: say
            // what of the change did happen.
            var error = error
            if !done.isEmpty {
                error.detail = ([error.detail].compactMap { $0 } + ["after " + done.joined(separator: ", ") + " succeeded"])
                    .joined(separator: "; ")
            }
            return ApplyFailure(change: change, error: error)
        }
        func writeAcceptRA() -> Bool {
            guard let acceptRA, let deviceConf else { return true }
            do throws(NetlinkError) {
                try deviceConf.setAcceptRA(acceptRA.value, device: acceptRA.device)
            } catch where error.code == .noSuchFileOrDirectory {
                // IPv6 is disabled there: no accept_ra to set, and observe reads none.
            } catch {
                run.fail(at: position, failed(error))
                return false
            }
            done.append("accept_ra \(acceptRA.value)")
            return true
        }
        for (offset, message) in messages.enumerated() {
            if offset == acceptRABefore, !writeAcceptRA() { return }
            run.report.requestBatches += 1
            let result: Result<Void, NetlinkError>
            do {
                result = try transport.execute([message.bytes], labels: [message.label]).first
                    ?? .failure(NetlinkError(.request(message.label), detail: "no answer"))
            } catch {
                result = .failure(error)
            }
            if case let .failure(error) = result {
                if Applier.isConverged(error, message: message.bytes) {
                    converged = true
                } else {
                    run.fail(at: position, failed(error))
                    return
                }
            }
            done.append(message.label)
        }
        if acceptRABefore == messages.count, !writeAcceptRA() { return }
        run.succeed(at: position, converged: converged)
    }

    private func applyBatch(
        _ range: Range<Int>, indices: [String: UInt32], transport: some NetlinkTransport, run: inout Run
    ) {
        // Encode all first: a change that cannot be encoded ends the run there, after what
        // comes before it has been sent.
        var encoded: [(position: Int, messages: [EncodedMessage])] = []
        var stop: (position: Int, failure: ApplyFailure)?
        for position in range {
            let change = run.changes[position]
            do {
                encoded.append((position, try ChangeEncoder.messages(for: change, indices: indices)))
            } catch {
                if change.isDelete, case .unknownDevice = error.reason {
                    encoded.append((position, []))  // gone with its device
                } else {
                    stop = (position, ApplyFailure(change: change, error: error.asNetlinkError))
                    break
                }
            }
        }

        var next = 0
        while next < encoded.count {
            // One batch: whole changes, within the message and byte limits.
            var batch: [(position: Int, messages: [EncodedMessage])] = []
            var messageCount = 0
            var byteCount = 0
            while next < encoded.count {
                let item = encoded[next]
                let bytes = item.messages.reduce(0) { $0 + (($1.bytes.count + 3) & ~3) }
                if !batch.isEmpty,
                   messageCount + item.messages.count > maxBatchMessages || byteCount + bytes > maxBatchBytes { break }
                batch.append(item)
                messageCount += item.messages.count
                byteCount += bytes
                next += 1
            }
            let requests = batch.flatMap { $0.messages }
            var results: [Result<Void, NetlinkError>] = []
            if !requests.isEmpty {
                run.report.requestBatches += 1
                do {
                    results = try transport.execute(
                        requests.map(\.bytes), acknowledgeEach: false, labelOf: { requests[$0].label }
                    )
                } catch {
                    results = requests.map { _ in .failure(error) }
                }
            }
            var offset = 0
            for item in batch {
                var failure: NetlinkError?
                var converged = item.messages.isEmpty
                for message in item.messages {
                    let result = offset < results.count
                        ? results[offset] : .failure(NetlinkError(.request(message.label), detail: "no answer"))
                    offset += 1
                    guard case let .failure(error) = result, failure == nil else { continue }
                    if Applier.isConverged(error, message: message.bytes) {
                        converged = true
                    } else {
                        failure = error
                    }
                }
                let change = run.changes[item.position]
                if let failure {
                    run.fail(at: item.position, ApplyFailure(change: change, error: failure))
                } else {
                    run.succeed(at: item.position, converged: converged)
                }
            }
            if run.report.failure != nil { return }
        }
        if let stop { run.fail(at: stop.position, stop.failure) }
    }

    private func applyTable(_ change: Change, at position: Int, tables: (any NftApplying)?, run: inout Run) {
        guard let tables else {
            run.report.unsupported.append(change)
            run.handled.insert(position)
            return
        }
        do throws(NetlinkError) {
            let batch: NftBatch
            do {
                let generation = run.nftGeneration
                switch change {
                case let .table(.create(table)), let .table(.replace(_, table)):
                    batch = try NftEncoder.replace(table, generation: generation)
                case let .table(.delete(table)): batch = try NftEncoder.delete(table.key, generation: generation)
                case let .iptables(iptables): batch = try IptablesEncoder.transaction(iptables, generation: generation)
                default: return
                }
            } catch {
                throw NetlinkError(.request(change.description), errno: Errno.invalidArgument.rawValue, detail: error.description)
            }
            run.report.requestBatches += 1
            do {
                try tables.apply(batch)
            } catch where error.code == .restart {
                throw NetlinkError(
                    .request(change.description), errno: error.errno,
                    detail: "the nf_tables ruleset changed since it was read (generation \(run.nftGeneration.map(String.init) ?? "?")); nothing of this transaction was applied: plan again"
                )
            }
            // A committed transaction moves the generation by one.
            run.nftGeneration = run.nftGeneration.map { $0 &+ 1 }
            run.succeed(at: position, converged: false)
        } catch {
            run.fail(at: position, ApplyFailure(change: change, error: error))
        }
    }

    // MARK: what counts as done

    /// The kernel's "already so": `EEXIST` for a request that creates, `ENOENT`, `ESRCH`
    /// (routes), `ENODEV` (links) or `EADDRNOTAVAIL` (addresses) for one that deletes.
    static func isConverged(_ error: NetlinkError, message: [UInt8]) -> Bool {
        guard message.count >= 8 else { return false }
        let type = message.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4, as: UInt16.self) }
        let flags = message.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 6, as: UInt16.self) }
        switch type {
        case NetlinkMessageType.newLink, NetlinkMessageType.newAddress, NetlinkMessageType.newNeighbor,
             NetlinkMessageType.newRoute:
            return NetlinkRequest.Flags(rawValue: flags).contains(.create) && error.code == .fileExists
        case NetlinkMessageType.deleteLink, NetlinkMessageType.deleteAddress, NetlinkMessageType.deleteNeighbor,
             NetlinkMessageType.deleteRoute:
            return [.noSuchFileOrDirectory, .noSuchProcess, .noSuchDevice, .addressNotAvailable].contains(error.code)
        default:
            return false
        }
    }
}

/// The bookkeeping of one `apply`: which positions of the plan ended how.
private struct Run {
    let changes: [Change]
    var report = ApplyReport()
    /// The generation the next nf_tables transaction names; nil: none.
    var nftGeneration: UInt32?
    var handled = Set<Int>()
    private var failedAt: Int?

    init(changes: [Change]) { self.changes = changes }

    mutating func succeed(at position: Int, converged: Bool) {
        handled.insert(position)
        if failedAt != nil {
            report.appliedAfterFailure.append(changes[position])
            return
        }
        report.applied.append(changes[position])
        if converged { report.alreadyConverged.append(changes[position]) }
    }

    mutating func fail(at position: Int, _ failure: ApplyFailure) {
        handled.insert(position)
        if failedAt != nil {
            // A request the batch never got to send is not attempted; any other answer after
            // the failure is reported as it came.
            if failure.error.detail?.hasPrefix("not sent") == true {
                handled.remove(position)
            } else {
                report.failedAfterFailure.append(failure)
            }
            return
        }
        failedAt = position
        report.failure = failure
    }

    mutating func finish() -> ApplyReport {
        if failedAt != nil {
            report.notAttempted = changes.indices.filter { !handled.contains($0) }.map { changes[$0] }
        }
        return report
    }
}

extension Change {
    var isLinkChange: Bool {
        switch self {
        case .createLink, .modifyLink, .recreateLink, .deleteLink: true
        default: false
        }
    }

    /// An nf_tables transaction: flannel's table, or its rules in an iptables-nft table.
    var isTable: Bool {
        switch self {
        case .table, .iptables: true
        default: false
        }
    }

    var isDelete: Bool { action == .delete }
}

extension ChangeEncodingError {
    /// As a request error: `ENODEV` for a missing device, `EINVAL` otherwise.
    var asNetlinkError: NetlinkError {
        switch reason {
        case .unknownDevice: NetlinkError(.request(change.description), errno: Errno.noSuchDevice.rawValue, detail: description)
        case .notRtnetlink: NetlinkError(.request(change.description), errno: Errno.invalidArgument.rawValue, detail: description)
        }
    }
}
