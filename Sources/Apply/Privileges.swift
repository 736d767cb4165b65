import Netlink

/// The process may not change the network configuration.
public struct PrivilegeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `CapEff` as read, when it could be read.
    public var effectiveCapabilities: UInt64?
    public var detail: String

    public var description: String {
        let mask = effectiveCapabilities.map { " (CapEff " + String($0, radix: 16) + ")" } ?? ""
        return "applying a plan needs CAP_NET_ADMIN, which this process does not have\(mask): \(detail)"
    }
}

extension Applier {
    /// `CAP_NET_ADMIN` is capability 12.
    public static let netAdminBit: UInt64 = 12

    /// Tells before anything is sent whether the kernel will take changes from this process:
    /// `CAP_NET_ADMIN` in the effective set (`CapEff` of `/proc/self/status`). Without it every
    /// request would fail with `EPERM` one by one.
    public static func checkPrivileges(statusPath: String = "/proc/self/status") throws(PrivilegeError) {
        let text: String
        switch Syscall.readFile(statusPath) {
        case let .success(bytes): text = String(decoding: bytes, as: UTF8.self)
        case let .failure(errno): throw PrivilegeError(effectiveCapabilities: nil, detail: "cannot read \(statusPath): \(errno.message)")
        }
        guard let mask = effectiveCapabilities(status: text) else {
            throw PrivilegeError(effectiveCapabilities: nil, detail: "no CapEff line in \(statusPath)")
        }
        guard mask & (1 << netAdminBit) != 0 else {
            throw PrivilegeError(
                effectiveCapabilities: mask, detail: "run as root or grant it (setcap cap_net_admin+ep, AmbientCapabilities=CAP_NET_ADMIN)"
            )
        }
    }

    /// The `CapEff:` hexadecimal mask of a `/proc/<pid>/status` text.
    static func effectiveCapabilities(status text: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix("CapEff:") {
            return UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: " \t"), radix: 16)
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var text = self
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return text
    }
}
