import Glibc

/// A device's IPv6 configuration sysctls under `/proc/sys/net/ipv6/conf/<dev>/`, for the one
/// setting rtnetlink cannot change: `accept_ra` (the kernel reports it in a link dump's
/// `IFLA_INET6_CONF`, but `RTM_SETLINK` takes no `IFLA_INET6_CONF`). flanneld writes it the
/// same way right after creating its device.
///
/// Kernel I/O, so it lives here. `/proc/sys/net` shows the network namespace of the thread that
/// opens the file, so a caller inside `NetworkNamespace.run` writes that namespace's device.
public enum IPv6DeviceConf {
    /// Writes `value` to `/proc/sys/net/ipv6/conf/<device>/accept_ra`.
    /// - Throws: a `NetlinkError` naming the sysctl, with the errno of `open` or `write`:
    ///   `ENOENT` when IPv6 is disabled (on the device or the host) or the device is gone;
    ///   `EINVAL` for a name that is not one path component.
    public static func setAcceptRA(_ value: Int32, device: String) throws(NetlinkError) {
        try write("\(value)\n", device: device, setting: "accept_ra")
    }

    private static func write(_ text: String, device: String, setting: String) throws(NetlinkError) {
        let what = "sysctl net.ipv6.conf.\(String(device.map { $0 == "." ? "/" : $0 })).\(setting)"
        guard !device.isEmpty, device != ".", device != "..", !device.contains("/") else {
            throw NetlinkError(.request(what), errno: EINVAL, detail: "not a device name")
        }
        let path = "/proc/sys/net/ipv6/conf/\(device)/\(setting)"
        let descriptor = open(path, O_WRONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw NetlinkError(.request(what), errno: errno, detail: "open \(path)") }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            throw NetlinkError(.request(what), errno: written < 0 ? errno : EIO, detail: "write \(path)")
        }
    }
}
