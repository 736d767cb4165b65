import Netlink

/// The hook through which the executor sets a device's IPv6 `accept_ra`, which rtnetlink cannot
/// set (`ChangeEncoder.acceptRAWrite` says when). `KernelDeviceConf` writes the sysctl of the
/// calling thread's network namespace; tests substitute a recorder, so a test's fake plan never
/// writes the host's `/proc/sys`.
public protocol DeviceConfApplying {
    /// Sets `net.ipv6.conf.<device>.accept_ra`, or throws the errno of the write.
    func setAcceptRA(_ value: Int32, device: String) throws(NetlinkError)
}

/// Writes `/proc/sys/net/ipv6/conf/<device>/accept_ra` through `IPv6DeviceConf`.
public struct KernelDeviceConf: DeviceConfApplying {
    public init() {}

    public func setAcceptRA(_ value: Int32, device: String) throws(NetlinkError) {
        try IPv6DeviceConf.setAcceptRA(value, device: device)
    }
}
