/// The kernel's rule for interface names (`dev_valid_name` in net/core/dev.c), checked wherever
/// a name enters: flags, snapshots and the live kernel's link dump. A name the kernel would
/// refuse is a typo or a hostile input; refusing it where it enters means no plan, listing or
/// script ever carries it (a script quotes names anyway, see `PlanScript`).
public enum InterfaceName {
    /// `IFNAMSIZ` is 16 with the terminating NUL: 15 bytes of name.
    public static let maximumLength = 15

    /// Why `name` is not a name the kernel would accept, or nil when it is one.
    /// The rule, byte by byte as the kernel applies it: not empty, at most 15 bytes, not `.` or
    /// `..`, no `/`, `:`, NUL or white space. White space is the kernel's `isspace`, which
    /// includes byte 0xA0 (its ctype table is Latin-1): so a UTF-8 name whose encoding holds
    /// that byte (`à` is C3 A0) is refused, as `ip link add` would refuse it.
    public static func problem(with name: String) -> String? {
        let bytes = name.utf8
        if bytes.isEmpty { return "it is empty" }
        if bytes.count > maximumLength {
            return "\(bytes.count) bytes; the kernel takes at most \(maximumLength)"
        }
        if name == "." || name == ".." { return "\"\(name)\" is reserved" }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "/"): return "it contains '/'"
            case UInt8(ascii: ":"): return "it contains ':'"
            case 0: return "it contains a NUL byte"
            case 0x09...0x0d, 0x20, 0xa0: return "it contains white space"
            default: continue
            }
        }
        return nil
    }

    /// `"a b" is not a valid interface name (it contains white space)`, or nil for a valid
    /// name: the one wording every source of names uses, prefixed with where the name came
    /// from. The name is printed with Swift's escapes, so control characters stay visible.
    public static func refusal(of name: String) -> String? {
        problem(with: name).map { "\(name.debugDescription) is not a valid interface name (\($0))" }
    }
}
