import NetState
import Planner

/// Why a change has no rtnetlink form with what is known now.
public struct ChangeEncodingError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        /// A device the message must name by ifindex is not in the index map. For a delete this
        /// means the object went with its device: the executor counts it as converged.
        case unknownDevice(String)
        /// `.table` changes are nf_tables transactions (`NftEncoder`), not rtnetlink requests.
        case notRtnetlink
    }

    public var change: Change
    public var reason: Reason

    public init(change: Change, reason: Reason) {
        self.change = change
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case let .unknownDevice(name): "cannot encode \(change): device \(name) does not exist"
        case .notRtnetlink: "cannot encode \(change) as rtnetlink: nf_tables tables go through NftEncoder"
        }
    }
}
