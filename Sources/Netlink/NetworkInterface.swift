import Glibc

/// Interface name ↔ index lookups in the calling thread's network namespace: one `ioctl`
/// each, cheap next to a dump, and never stale after a device is re-created.
public enum NetworkInterface {
    /// The device's index, or nil when no device has that name.
    public static func index(named name: String) -> UInt32? {
        let index = if_nametoindex(name)
        return index == 0 ? nil : index
    }

    /// The device's name, or nil when no device has `index`.
    public static func name(ofIndex index: UInt32) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(IF_NAMESIZE) + 1)
        guard if_indextoname(index, &buffer) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
