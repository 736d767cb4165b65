import NetState
import Netlink

/// Recognises nft's encodings of the matches and verdicts the model has words for, and keeps
/// everything else as text, so that a foreign rule still reads sensibly and flannel's own rules
/// decode to exactly the values the desired table holds.
///
/// Recognised (register 1 … 15 alike; the register must flow load → [mask] → compare):
/// - `payload @ network header + 12|16` (`ip saddr|daddr`), loading 1…4 bytes and comparing
///   them (a byte-aligned prefix), or loading 4 bytes, masking with a contiguous netmask and
///   comparing (any prefix); `eq` or `neq`. Only in an `ip` table, or in an `inet`/`bridge`/
///   `netdev` table right after nft's `meta nfproto ipv4` dependency, which nft hides too.
/// - the same for IPv6 (`ip6 saddr|daddr`, ip6tables' `-s`/`-d`): `payload @ network header +
///   8|24`, 1…16 bytes, or 16 bytes masked; in an `ip6` table, or after `meta nfproto ipv6`.
/// - `meta mark` with an optional mask, compared `eq`.
/// - `meta oifname|iifname` compared `eq|neq` with a NUL-terminated name (nft pads to 16 bytes,
///   iptables-nft compares only `name\0`); a name without NUL is a wildcard, `eth*`.
/// - verdicts: `immediate` accept/drop/return/jump/goto, `masq` (with `fully-random`), and
///   iptables-nft's xt `MASQUERADE` target (its range flags say `--random-fully`).
/// - iptables-nft's xtables matches `comment` (revision 0: a 256-byte NUL-terminated string)
///   and `mark` (revision 1, `struct xt_mark_mtinfo1`: mark, mask, invert; what iptables-nft
///   versions before native mark matching wrote) become `.comment` and `.mark`.
/// - `counter` becomes `.counter` without its numbers: packet counts change with every
///   packet, and a snapshot or a plan's fingerprint must not.
enum NftRuleDecoder {
    static let networkHeader = NftPayloadBase.networkHeader
    static let equal = NftCompareOperation.equal
    static let notEqual = NftCompareOperation.notEqual
    static let randomFully = NftNatFlag.randomFully

    static func decode(_ expressions: [NftExpression], family: NftFamily) -> (matches: [NftMatch], verdict: NftVerdict) {
        var matches: [NftMatch] = []
        var verdict = NftVerdict.continue
        var index = 0
        // nft writes `meta nfproto ipv6` once per rule in an `inet` table, before its first
        // `ip6` match: the later ones in the rule depend on it too.
        var ipv6Checked = false
        while index < expressions.count {
            let isLast = index == expressions.count - 1
            if isLast, let final = terminal(expressions[index], family: family) {
                verdict = final
                break
            }
            if family == .ip, let (match, used) = address(expressions, at: index) {
                matches.append(match)
                index += used
            } else if family == .ip6 || ipv6Checked, let (match, used) = address6(expressions, at: index) {
                matches.append(match)
                index += used
            } else if let used = ipv4Dependency(expressions, at: index), let (match, more) = address(expressions, at: index + used) {
                matches.append(match)
                index += used + more
            } else if let used = ipv6Dependency(expressions, at: index), let (match, more) = address6(expressions, at: index + used) {
                matches.append(match)
                index += used + more
                ipv6Checked = true
            } else if let (match, used) = meta(expressions, at: index) {
                matches.append(match)
                index += used
            } else if let match = xtMatch(expressions[index]) {
                matches.append(match)
                index += 1
            } else {
                matches.append(.other(text(expressions[index])))
                index += 1
            }
        }
        return (matches, verdict)
    }

    /// `ip saddr|daddr [!=] prefix`: how many expressions it took.
    private static func address(_ expressions: [NftExpression], at index: Int) -> (NftMatch, Int)? {
        guard index < expressions.count,
              case let .payload(base, offset, length, register) = expressions[index],
              base == networkHeader, offset == 12 || offset == 16, (1...4).contains(length)
        else { return nil }
        var next = index + 1
        var prefixLength = UInt8(length * 8)
        var netmask = IPv4Prefix.mask(prefixLength)
        if next < expressions.count, case let .bitwise(source, destination, mask, xor) = expressions[next] {
            guard source == register, destination == register, length == 4, mask.count == 4, xor == [0, 0, 0, 0] else {
                return nil
            }
            let value = bigEndian(mask)
            let ones = UInt8(value.nonzeroBitCount)
            guard IPv4Prefix.mask(ones) == value else { return nil }
            prefixLength = ones
            netmask = value
            next += 1
        }
        guard next < expressions.count, case let .compare(compared, operation, data) = expressions[next],
              compared == register, operation == equal || operation == notEqual, data.count == Int(length)
        else { return nil }
        let address = bigEndian(data + [UInt8](repeating: 0, count: 4 - data.count))
        guard address & ~netmask == 0 else { return nil }
        let prefix = IPv4Prefix(address: IPv4Address(address), length: prefixLength)
        let negated = operation == notEqual
        let match: NftMatch = offset == 12 ? .sourceAddress(prefix, negated: negated) : .destinationAddress(prefix, negated: negated)
        return (match, next - index + 1)
    }

    /// `ip6 saddr|daddr [!=] prefix`: how many expressions it took. As iptables-nft and nft
    /// write it: the prefix's whole bytes loaded and compared, or (a prefix that is not
    /// byte-aligned) all 16 bytes loaded, masked with a contiguous netmask and compared.
    private static func address6(_ expressions: [NftExpression], at index: Int) -> (NftMatch, Int)? {
        guard index < expressions.count,
              case let .payload(base, offset, length, register) = expressions[index],
              base == networkHeader, offset == 8 || offset == 24, (1...16).contains(length)
        else { return nil }
        var next = index + 1
        var prefixLength = UInt8(length * 8)
        if next < expressions.count, case let .bitwise(source, destination, mask, xor) = expressions[next] {
            guard source == register, destination == register, length == 16, mask.count == 16, xor.count == 16,
                  xor.allSatisfy({ $0 == 0 }), let ones = contiguousOnes(mask)
            else { return nil }
            prefixLength = ones
            next += 1
        }
        guard next < expressions.count, case let .compare(compared, operation, data) = expressions[next],
              compared == register, operation == equal || operation == notEqual, data.count == Int(length),
              let address = IPv6Address(bytes: data + [UInt8](repeating: 0, count: 16 - data.count))
        else { return nil }
        let prefix = IPv6Prefix(address: address, length: prefixLength)
        // Host bits set in the compared value would never match: not a prefix the model has.
        guard prefix.address == address else { return nil }
        let negated = operation == notEqual
        let match: NftMatch = offset == 8
            ? .sourceAddress6(prefix, negated: negated) : .destinationAddress6(prefix, negated: negated)
        return (match, next - index + 1)
    }

    /// The length of a netmask of leading ones (big-endian bytes), or nil when it is not one.
    private static func contiguousOnes(_ mask: [UInt8]) -> UInt8? {
        var ones = 0
        var ended = false
        for byte in mask {
            if ended {
                guard byte == 0 else { return nil }
                continue
            }
            let leading = (~byte).leadingZeroBitCount
            guard byte == UInt8(truncatingIfNeeded: 0xff00 >> leading) else { return nil }
            ones += leading
            ended = leading < 8
        }
        return UInt8(ones)
    }

    /// `meta nfproto == ipv4` (nft's implicit dependency before an `ip` match outside `ip` tables).
    private static func ipv4Dependency(_ expressions: [NftExpression], at index: Int) -> Int? {
        nfprotoDependency(expressions, at: index, family: 2)
    }

    /// `meta nfproto == ipv6`, before an `ip6` match outside `ip6` tables.
    private static func ipv6Dependency(_ expressions: [NftExpression], at index: Int) -> Int? {
        nfprotoDependency(expressions, at: index, family: 10)
    }

    private static func nfprotoDependency(_ expressions: [NftExpression], at index: Int, family: UInt8) -> Int? {
        guard index + 1 < expressions.count,
              case let .meta(key, register) = expressions[index], key == NftMetaKey.nfproto,
              case let .compare(compared, operation, data) = expressions[index + 1],
              compared == register, operation == equal, data == [family]
        else { return nil }
        return 2
    }

    /// `meta mark [& mask] == value`, `oifname|iifname [!=] "name"`.
    private static func meta(_ expressions: [NftExpression], at index: Int) -> (NftMatch, Int)? {
        guard case let .meta(key, register) = expressions[index] else { return nil }
        var next = index + 1
        switch key {
        case NftMetaKey.mark:
            var mask = UInt32.max
            if next < expressions.count, case let .bitwise(source, destination, bytes, xor) = expressions[next] {
                guard source == register, destination == register, bytes.count == 4, xor == [0, 0, 0, 0] else { return nil }
                mask = hostOrder(bytes)
                next += 1
            }
            guard next < expressions.count, case let .compare(compared, operation, data) = expressions[next],
                  compared == register, operation == equal, data.count == 4
            else { return nil }
            return (.mark(mask: mask, value: hostOrder(data)), next - index + 1)
        case NftMetaKey.outputInterfaceName, NftMetaKey.inputInterfaceName:
            guard next < expressions.count, case let .compare(compared, operation, data) = expressions[next],
                  compared == register, operation == equal || operation == notEqual, !data.isEmpty, data.count <= 16
            else { return nil }
            let name: String
            if let end = data.firstIndex(of: 0) {
                guard data[end...].allSatisfy({ $0 == 0 }) else { return nil }
                name = String(decoding: data[..<end], as: UTF8.self)
            } else {
                name = String(decoding: data, as: UTF8.self) + "*"
            }
            let negated = operation == notEqual
            let match: NftMatch = key == NftMetaKey.outputInterfaceName
                ? .outputInterface(name, negated: negated) : .inputInterface(name, negated: negated)
            return (match, 2)
        default:
            return nil
        }
    }

    /// `counter`, and the xtables matches iptables-nft writes for flannel's rules.
    private static func xtMatch(_ expression: NftExpression) -> NftMatch? {
        switch expression {
        case .counter:
            return .counter
        case let .match("comment", 0, info) where info.count == 256:
            guard let end = info.firstIndex(of: 0), info[end...].allSatisfy({ $0 == 0 }) else { return nil }
            guard let text = String(validating: info[..<end], as: UTF8.self) else { return nil }
            return .comment(text)
        case let .match("mark", 1, info) where info.count >= 9:
            // mark, mask (host order), invert; a negated mark has no word in the model.
            guard info[8] == 0 else { return nil }
            let value = hostOrder(Array(info[0..<4]))
            let mask = hostOrder(Array(info[4..<8]))
            return .mark(mask: mask, value: value)
        default:
            return nil
        }
    }

    /// The verdict a rule's last expression gives, or nil when it is not a verdict.
    private static func terminal(_ expression: NftExpression, family: NftFamily) -> NftVerdict? {
        switch expression {
        case let .verdict(code, chain):
            switch code {
            case NftVerdictCode.accept: return .accept
            case NftVerdictCode.drop: return .drop
            case NftVerdictCode.return: return .return
            case NftVerdictCode.continue: return .continue
            case NftVerdictCode.jump: return chain.map { .jump($0) } ?? .other("jump")
            case NftVerdictCode.goto: return chain.map { .goto($0) } ?? .other("goto")
            default: return .other("verdict \(code)")
            }
        case let .masquerade(flags, hasRegisters):
            guard !hasRegisters, flags & ~randomFully == 0 else { return .other(text(expression)) }
            return .masquerade(fullyRandom: flags & randomFully != 0)
        case let .target(name, revision, info):
            // IPv4: `struct nf_nat_ipv4_multi_range_compat`, rangesize, then range[0].flags.
            // IPv6 (ip6tables' revision 0): `struct nf_nat_range`, flags first (40 bytes).
            let flagsAt = family == .ip6 ? 0 : 4
            if name == "MASQUERADE", revision == 0, info.count >= flagsAt + 4 {
                let flags = hostOrder(Array(info[flagsAt..<flagsAt + 4]))
                if flags & ~randomFully == 0 { return .masquerade(fullyRandom: flags & randomFully != 0) }
            }
            return .other(text(expression))
        default:
            return nil
        }
    }

    /// nft-like words for an expression the model has no name for.
    static func text(_ expression: NftExpression) -> String {
        switch expression {
        case .counter: return "counter"
        case let .target(name, _, _): return "xt target \"\(name)\""
        case let .match(name, _, _): return "xt match \"\(name)\""
        case let .masquerade(flags, hasRegisters):
            return "masq flags 0x\(String(flags, radix: 16))" + (hasRegisters ? " to registers" : "")
        case let .payload(base, offset, length, register):
            return "payload load \(length)b @ base \(base) + \(offset) => reg \(register)"
        case let .meta(key, register): return "meta load key \(key) => reg \(register)"
        case let .bitwise(source, destination, mask, xor):
            return "bitwise reg \(destination) = (reg \(source) & 0x\(hex(mask))) ^ 0x\(hex(xor))"
        case let .compare(register, operation, data): return "cmp op \(operation) reg \(register) 0x\(hex(data))"
        case let .verdict(code, chain): return "verdict \(code)" + (chain.map { " -> \($0)" } ?? "")
        case let .unknown(text): return text
        }
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    private static func bigEndian(_ bytes: [UInt8]) -> UInt32 {
        bytes.prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Meta keys and xt info are in host byte order.
    private static func hostOrder(_ bytes: [UInt8]) -> UInt32 {
        var value: UInt32 = 0
        withUnsafeMutableBytes(of: &value) { raw in
            for index in 0..<min(4, bytes.count) { raw[index] = bytes[index] }
        }
        return value
    }
}
