import NetState
import Netlink

/// Turns one model rule into libnftnl expressions exactly as nft 1.0.6 encodes the same text,
/// so a table we install lists the same as one `nft -f` loads (checked byte for byte against
/// nft's own batch in the tests).
///
/// - `ip saddr 10.244.0.0/16`: nft loads only the prefix's whole bytes (`payload load 2b @
///   network header + 12`) and compares them; a prefix that is not byte-aligned (`/4`, `/20`)
///   loads all 4 bytes and masks them with `bitwise` first; `/32` loads 4 bytes, no mask.
/// - `ip6 saddr fd00:10:244::/56`: the same at IPv6's offsets (saddr at network header + 8,
///   daddr at + 24): `/56` loads 7 bytes, `/44` all 16 masked, `/128` 16 unmasked. nft 1.0.6
///   and ip6tables-nft 1.8.9 write the same (measured, `nft --debug=netlink`).
/// - `meta mark & 0x4000 == 0x4000`: `meta load mark`, `bitwise` with the mask (omitted for an
///   all-ones mask, printed `meta mark 0x…`), `cmp eq`; the mark is in host byte order.
/// - `oifname "eth0"`: `meta load oifname`, `cmp` over 16 bytes (`IFNAMSIZ`, NUL padded); a
///   trailing `*` compares only the bytes before it.
/// - verdicts: `immediate` to the verdict register; masquerade is the `masq` expression with
///   `NF_NAT_RANGE_PROTO_RANDOM_FULLY` for `fully-random`.
///
/// `Style.iptables` encodes as iptables-nft 1.8 does instead (checked byte for byte against its
/// own batch in the tests), for flannel's iptables-mode rules in `ip nat` / `ip filter`:
/// the mark's `bitwise` without an operation, `-m comment` as the xtables `comment` match
/// (256 bytes), a `counter` where the rule has one, `MASQUERADE` as the xtables target (`struct
/// nf_nat_ipv4_multi_range_compat`, one range, flags `NF_NAT_RANGE_PROTO_RANDOM_FULLY` for
/// `--random-fully`; ip6tables-nft's is `struct nf_nat_range`, 40 bytes, flags first), and
/// `NFTA_RULE_COMPAT` (protocol 0, flags 0) on every rule. That is
/// what `iptables -S` decodes back into flannel's words and what `iptables -C` finds.
enum NftRuleEncoder {
    static let interfaceNameSize = 16
    /// `XT_MAX_COMMENT_LEN`: the comment match's info is this many bytes, NUL-padded.
    static let commentSize = 256

    enum Style {
        case nft
        case iptables
    }

    /// The rule being built and how to report a failure at its place in the table.
    private struct Target {
        let rule: NftRuleObject
        /// The table's family: the MASQUERADE target's info differs between IPv4 and IPv6.
        let family: NftFamily
        let failure: (String) -> NftEncodingError

        /// Appends the expression `build` makes; its allocation failure becomes `failure`.
        func add(_ build: () throws(NetlinkError) -> NftExpressionObject) throws(NftEncodingError) {
            do {
                rule.addExpression(try build())
            } catch {
                throw failure(error.description)
            }
        }
    }

    /// Builds the libnftnl rule or says why the rule has no wire form.
    static func rule(
        _ rule: NftRule, table: NftTable.Key, chain: String, position: Int, style: Style = .nft
    ) throws(NftEncodingError) -> NftRuleObject {
        func failure(_ reason: String) -> NftEncodingError {
            NftEncodingError(table: table, chain: chain, rule: position, reason: reason)
        }
        let object = try NftEncodingError.wrap(table: table, chain: chain, rule: position) { () throws(NetlinkError) in
            try NftRuleObject(family: table.family.rawValue, table: table.name, chain: chain)
        }
        let target = Target(rule: object, family: table.family, failure: failure)
        for match in rule.matches {
            try add(match, to: target, style: style)
        }
        try add(rule.verdict, to: target, style: style)
        if style == .iptables { object.setCompat(protocol: 0, flags: 0) }
        if let comment = rule.comment {
            let userData = try NftEncodingError.comment(
                comment, type: NftUserData.ruleComment, what: "comment", table: table, chain: chain, rule: position
            )
            try NftEncodingError.wrap(table: table, chain: chain, rule: position) { () throws(NetlinkError) in
                try object.setUserData(userData)
            }
        }
        return object
    }

    private static func add(_ match: NftMatch, to target: Target, style: Style) throws(NftEncodingError) {
        switch match {
        case let .mark(mask, value):
            try target.add { () throws(NetlinkError) in try .meta(key: NftMetaKey.mark, register: NftRegister.one) }
            if mask != .max {
                try bitwise(target, mask: hostBytes(mask), operation: style == .nft ? NftBitwiseOperation.maskXor : nil)
            }
            try compare(target, equal: true, hostBytes(value))
        case let .sourceAddress(prefix, negated):
            try address(target, offset: 12, prefix, negated: negated)
        case let .destinationAddress(prefix, negated):
            try address(target, offset: 16, prefix, negated: negated)
        case let .sourceAddress6(prefix, negated):
            try address6(target, offset: 8, prefix, negated: negated)
        case let .destinationAddress6(prefix, negated):
            try address6(target, offset: 24, prefix, negated: negated)
        case let .outputInterface(name, negated):
            try interface(target, key: NftMetaKey.outputInterfaceName, name, negated: negated)
        case let .inputInterface(name, negated):
            try interface(target, key: NftMetaKey.inputInterfaceName, name, negated: negated)
        case .counter:
            try target.add { () throws(NetlinkError) in try .counter() }
        case let .comment(text):
            let bytes = Array(text.utf8)
            guard style == .iptables else {
                throw target.failure("an xtables comment match belongs in an iptables-nft table; nft rules carry their comment as userdata")
            }
            guard bytes.count < commentSize, !bytes.contains(0) else {
                throw target.failure("comment \"\(text)\" does not fit iptables' \(commentSize - 1) bytes")
            }
            let info = bytes + [UInt8](repeating: 0, count: commentSize - bytes.count)
            try target.add { () throws(NetlinkError) in try .xtMatch(name: "comment", revision: 0, info: info) }
        case let .other(text):
            throw target.failure("no wire form for match \"\(text)\"")
        }
    }

    private static func add(_ verdict: NftVerdict, to target: Target, style: Style) throws(NftEncodingError) {
        switch verdict {
        case .accept: try immediate(target, verdict: NftVerdictCode.accept)
        case .drop: try immediate(target, verdict: NftVerdictCode.drop)
        case .return: try immediate(target, verdict: NftVerdictCode.return)
        case let .jump(chain): try immediate(target, verdict: NftVerdictCode.jump, chain: chain)
        case let .goto(chain): try immediate(target, verdict: NftVerdictCode.goto, chain: chain)
        case .continue: break
        case let .masquerade(fullyRandom) where style == .iptables && target.family == .ip6:
            // `struct nf_nat_range`: flags, then addresses and ports, all zero (40 bytes).
            var info = [UInt8](repeating: 0, count: 40)
            if fullyRandom { info.replaceSubrange(0..<4, with: hostBytes(NftNatFlag.randomFully)) }
            try target.add { () throws(NetlinkError) in try .xtTarget(name: "MASQUERADE", revision: 0, info: info) }
        case let .masquerade(fullyRandom) where style == .iptables:
            // rangesize 1, then range[0].flags; addresses and ports zero (24 bytes, XT_ALIGNed).
            var info = [UInt8](repeating: 0, count: 24)
            info[0] = 1
            if fullyRandom { info.replaceSubrange(4..<8, with: hostBytes(NftNatFlag.randomFully)) }
            try target.add { () throws(NetlinkError) in try .xtTarget(name: "MASQUERADE", revision: 0, info: info) }
        case let .masquerade(fullyRandom):
            try target.add { () throws(NetlinkError) in try .masquerade(flags: fullyRandom ? NftNatFlag.randomFully : nil) }
        case let .other(text):
            throw target.failure("no wire form for verdict \"\(text)\"")
        }
    }

    private static func address(_ target: Target, offset: UInt32, _ prefix: IPv4Prefix, negated: Bool) throws(NftEncodingError) {
        let aligned = prefix.length > 0 && prefix.length % 8 == 0
        let loaded = aligned ? Int(prefix.length / 8) : 4
        try target.add { () throws(NetlinkError) in
            try .payload(base: NftPayloadBase.networkHeader, offset: offset, length: UInt32(loaded), register: NftRegister.one)
        }
        if !aligned {
            try bitwise(target, mask: IPv4Address(prefix.netmask).octets)
        }
        try compare(target, equal: !negated, Array(prefix.address.octets[0..<loaded]))
    }

    private static func address6(_ target: Target, offset: UInt32, _ prefix: IPv6Prefix, negated: Bool) throws(NftEncodingError) {
        let aligned = prefix.length > 0 && prefix.length % 8 == 0
        let loaded = aligned ? Int(prefix.length / 8) : 16
        try target.add { () throws(NetlinkError) in
            try .payload(base: NftPayloadBase.networkHeader, offset: offset, length: UInt32(loaded), register: NftRegister.one)
        }
        if !aligned {
            let (high, low) = prefix.netmask
            try bitwise(target, mask: IPv6Address(high: high, low: low).bytes)
        }
        try compare(target, equal: !negated, Array(prefix.address.bytes[0..<loaded]))
    }

    private static func interface(_ target: Target, key: UInt32, _ name: String, negated: Bool) throws(NftEncodingError) {
        var bytes = Array(name.utf8)
        let wildcard = bytes.last == UInt8(ascii: "*")
        if wildcard { bytes.removeLast() }
        guard bytes.count < interfaceNameSize, !bytes.contains(0) else {
            throw target.failure("interface name \"\(name)\" is not a valid name (at most \(interfaceNameSize - 1) bytes)")
        }
        if !wildcard { bytes += [UInt8](repeating: 0, count: interfaceNameSize - bytes.count) }
        try target.add { () throws(NetlinkError) in try .meta(key: key, register: NftRegister.one) }
        try compare(target, equal: !negated, bytes)
    }

    /// `operation`: nft names it (`NFT_BITWISE_MASK_XOR`, formerly `NFT_BITWISE_BOOL`) when it
    /// encodes a binary `&` written in the rule, and leaves it to the kernel's default for the
    /// mask it derives from an address prefix.
    private static func bitwise(_ target: Target, mask: [UInt8], operation: UInt32? = nil) throws(NftEncodingError) {
        try target.add { () throws(NetlinkError) in
            try .bitwise(
                register: NftRegister.one, mask: mask, xor: [UInt8](repeating: 0, count: mask.count), operation: operation
            )
        }
    }

    private static func compare(_ target: Target, equal: Bool, _ data: [UInt8]) throws(NftEncodingError) {
        let operation = equal ? NftCompareOperation.equal : NftCompareOperation.notEqual
        try target.add { () throws(NetlinkError) in try .compare(register: NftRegister.one, operation: operation, data: data) }
    }

    private static func immediate(_ target: Target, verdict: Int32, chain: String? = nil) throws(NftEncodingError) {
        try target.add { () throws(NetlinkError) in try .verdict(verdict, chain: chain) }
    }

    /// A 32-bit value as the kernel compares meta keys: host byte order.
    private static func hostBytes(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value) { Array($0) }
    }
}
