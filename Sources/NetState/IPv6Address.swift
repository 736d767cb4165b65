/// An IPv6 address, held as two 64-bit halves in host order (`high` is the first eight bytes on
/// the wire) so that it is as compact as two integers, hashes cheaply and sorts the way
/// `ip -6 route` lists addresses.
public struct IPv6Address: Hashable, Comparable, Sendable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The eight 16-bit groups, first group first: `IPv6Address(0xfd00, 0x10, 0x244, 1, 0, 0, 0, 0)`
    /// is `fd00:10:244:1::`.
    public init(
        _ a: UInt16, _ b: UInt16, _ c: UInt16, _ d: UInt16, _ e: UInt16, _ f: UInt16, _ g: UInt16, _ h: UInt16
    ) {
        high = UInt64(a) << 48 | UInt64(b) << 32 | UInt64(c) << 16 | UInt64(d)
        low = UInt64(e) << 48 | UInt64(f) << 32 | UInt64(g) << 16 | UInt64(h)
    }

    /// The IPv4-mapped address `::ffff:a.b.c.d` of an IPv4 address.
    public init(mapping ipv4: IPv4Address) {
        high = 0
        low = 0xffff_0000_0000 | UInt64(ipv4.value)
    }

    /// From the 16 bytes in network order, as netlink carries an `IFA_ADDRESS`, `RTA_DST`,
    /// `NDA_DST` or `IFLA_VXLAN_LOCAL6`. Any other count is refused.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.high = high
        self.low = low
    }

    /// The 16 bytes in network order.
    public var bytes: [UInt8] {
        (0..<16).map { index in
            UInt8(truncatingIfNeeded: (index < 8 ? high : low) >> (56 - 8 * UInt64(index % 8)))
        }
    }

    /// Group `index` (0…7) of the eight 16-bit groups, first group first.
    public func group(_ index: Int) -> UInt16 {
        UInt16(truncatingIfNeeded: (index < 4 ? high : low) >> (48 - 16 * UInt64(index % 4)))
    }

    /// The IPv4 address of an IPv4-mapped address (`::ffff:0:0/96`), nil for any other.
    public var mappedIPv4: IPv4Address? {
        high == 0 && low >> 32 == 0xffff ? IPv4Address(UInt32(truncatingIfNeeded: low)) : nil
    }

    /// Parses RFC 4291 text strictly, accepting exactly what glibc's `inet_pton(AF_INET6, …)`
    /// accepts (the tests and the fuzzer check it), which is also what Go's `net.ParseIP`, the
    /// reader of flannel's leases and net-conf, accepts in IPv6 notation:
    /// - eight groups of one to four hex digits in any case, separated by single colons;
    /// - or fewer, with exactly one `::` standing for at least one zero group (so
    ///   `1:2:3:4:5:6:7::` is accepted, `1:2:3:4::5:6:7:8` is not);
    /// - the last two groups may be a dotted quad (`::ffff:10.0.0.1`, `64:ff9b::192.0.2.1`),
    ///   as strict as `IPv4Address`'s (no leading zeros);
    /// - no zone (`fe80::1%eth0`), brackets, prefix length, sign, space or lone leading or
    ///   trailing colon. A bare IPv4 address is not an IPv6 address (Go reads `1.2.3.4` as
    ///   `::ffff:1.2.3.4`, which `nonUnicastReason` would refuse as a node's address anyway).
    ///
    /// Works on the UTF-8 bytes without allocating; inlinable so callers in other modules get
    /// it specialised for their string type.
    @inlinable
    public init?(_ text: some StringProtocol) {
        let utf8 = text.utf8
        // The groups read so far, pushed in at the low end; at `::` they move to `head`.
        var accumulated: (UInt64, UInt64) = (0, 0)
        var head: (UInt64, UInt64) = (0, 0)
        var groups = 0
        var ellipsis = -1  // the number of groups before `::`, once it is seen
        var group: UInt64 = 0
        var digits = 0
        var colons = 0  // colons just read: 1 after a group (or a leading one), 2 after `::`
        var groupStart = utf8.startIndex
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            if let nibble = MACAddress.nibble(byte) {
                // A lone leading colon (`:1::`) is the only way to reach a digit after one colon
                // with no group read and no `::`.
                if colons == 1 && groups == 0 && ellipsis < 0 { return nil }
                guard digits < 4 else { return nil }
                if digits == 0 { groupStart = index }
                group = group << 4 | UInt64(nibble)
                digits += 1
                colons = 0
            } else if byte == UInt8(ascii: ":") {
                if digits > 0 {
                    guard groups < 8 else { return nil }
                    accumulated = IPv6Address.pushed(accumulated, group)
                    groups += 1
                    group = 0
                    digits = 0
                    colons = 1
                } else if colons == 1 {
                    guard ellipsis < 0 else { return nil }
                    ellipsis = groups
                    head = accumulated
                    accumulated = (0, 0)
                    colons = 2
                } else if colons == 0 {
                    colons = 1  // the first byte: only the start of a leading `::`
                } else {
                    return nil  // `:::`
                }
            } else if byte == UInt8(ascii: ".") {
                // The dotted quad began with the group being read: it is the rest of the text.
                guard digits > 0, groups + 2 <= 8, let ipv4 = IPv4Address(text[groupStart...]) else { return nil }
                accumulated = IPv6Address.pushed(IPv6Address.pushed(accumulated, UInt64(ipv4.value >> 16)), UInt64(ipv4.value & 0xffff))
                groups += 2
                digits = 0
                colons = 0
                break
            } else {
                return nil
            }
            index = utf8.index(after: index)
        }
        if digits > 0 {
            guard groups < 8 else { return nil }
            accumulated = IPv6Address.pushed(accumulated, group)
            groups += 1
        } else if colons == 1 || (groups == 0 && ellipsis < 0) {
            return nil  // a lone trailing colon, or nothing at all
        }
        if ellipsis >= 0 {
            guard groups <= 7 else { return nil }  // `::` stands for at least one zero group
            let moved = IPv6Address.shiftedLeft(head, by: 16 * (8 - ellipsis))
            high = moved.0 | accumulated.0
            low = moved.1 | accumulated.1
        } else {
            guard groups == 8 else { return nil }
            high = accumulated.0
            low = accumulated.1
        }
    }

    /// The 128-bit number shifted left by 16 bits with `group` in the low 16.
    @usableFromInline
    static func pushed(_ value: (UInt64, UInt64), _ group: UInt64) -> (UInt64, UInt64) {
        (value.0 << 16 | value.1 >> 48, value.1 << 16 | group)
    }

    /// The 128-bit number shifted left by `bits` (0…128; Swift's shifts give 0 past the width).
    @usableFromInline
    static func shiftedLeft(_ value: (UInt64, UInt64), by bits: Int) -> (UInt64, UInt64) {
        bits >= 64 ? (value.1 << (bits - 64), 0) : (value.0 << bits | value.1 >> (64 - bits), value.1 << bits)
    }

    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool { (lhs.high, lhs.low) < (rhs.high, rhs.low) }

    /// The address `n` after this one, wrapping at the top of the address space.
    public func advanced(by n: UInt64) -> IPv6Address {
        let (sum, carry) = low.addingReportingOverflow(n)
        return IPv6Address(high: carry ? high &+ 1 : high, low: sum)
    }
}

extension IPv6Address: TextAppending {
    /// Writes the address as glibc's `inet_ntop(AF_INET6, …)` does, which is what iproute2
    /// prints: RFC 5952's canonical form (lower case, no leading zeros, the longest run of two
    /// or more zero groups as `::`, the first of equal runs, a lone zero group written `0`),
    /// with glibc's dotted tails: `::ffff:a.b.c.d` for an IPv4-mapped address (even
    /// `::ffff:0.0.0.0`), and `::a.b.c.d` for a deprecated IPv4-compatible one whose seventh
    /// group is not zero (`::1.2.3.4`, `::1.2.0.0`, but `::102` for `::0.0.1.2` and `::1`).
    public func append(to text: inout TextBuffer) {
        append(to: &text, dottedTail: true)
    }

    /// With `dottedTail` false, every group in hex (`::ffff:a00:1`): the form of flannel's
    /// lease keys, whose IPv6 half has no dots.
    func append(to text: inout TextBuffer, dottedTail: Bool) {
        // The first longest run of zero groups, if it is at least two long (inet_ntop6).
        var bestStart = -1
        var bestLength = 0
        var runStart = -1
        for index in 0..<8 {
            if group(index) == 0 {
                if runStart < 0 { runStart = index }
                if index - runStart + 1 > bestLength {
                    bestStart = runStart
                    bestLength = index - runStart + 1
                }
            } else {
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }

        for index in 0..<8 {
            if bestStart >= 0 && index >= bestStart && index < bestStart + bestLength {
                if index == bestStart { text.append(ascii: UInt8(ascii: ":")) }
                continue
            }
            if index > 0 { text.append(ascii: UInt8(ascii: ":")) }
            if dottedTail && index == 6 && bestStart == 0 && (bestLength == 6 || (bestLength == 5 && group(5) == 0xffff)) {
                IPv4Address(UInt32(truncatingIfNeeded: low)).append(to: &text)
                return
            }
            let value = group(index)
            var shift = 12
            while shift > 0 && value >> UInt16(shift) == 0 { shift -= 4 }
            while shift >= 0 {
                let nibble = UInt8(truncatingIfNeeded: value >> UInt16(shift)) & 0xf
                text.append(ascii: nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
                shift -= 4
            }
        }
        if bestStart >= 0 && bestStart + bestLength == 8 { text.append(ascii: UInt8(ascii: ":")) }
    }
}
