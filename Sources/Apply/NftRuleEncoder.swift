import NetState
import Netlink

/// Turns one model rule into libnftnl expressions exactly as nft 1.0.6 encodes the same text,
/// so a table we install lists the same as one `nft -f` loads (checked byte for byte against
/// nft's own batch in the tests).
///
/// - `ip saddr 10.244.0.0/16`: nft loads only the prefix's whole bytes (`payload load 2b @
///   network header + 12`) and compares them; a prefix that is not byte-aligned (`/4`, `/20`)
///   loads all 4 bytes and masks them with `bitwise` first; `/32` loads 4 bytes, no mask.
/// - `meta mark & 0x4000 == 0x4000`: `meta load mark`, `bitwise` with the mask (omitted for an
///   all-ones mask, printed `meta mark 0x…`), `cmp eq`; the mark is in host byte order.
/// - `oifname "eth0"`: `meta load oifname`, `cmp` over 16 bytes (`IFNAMSIZ`, NUL padded); a
///   trailing `*` compares only the bytes before it.
/// - verdicts: `immediate` to the verdict register; masquerade is the `masq` expression with
///   `NF_NAT_RANGE_PROTO_RANDOM_FULLY` for `fully-random`.
enum NftRuleEncoder {
    static let interfaceNameSize = 16

    /// The rule being built and how to report a failure at its place in the table.
    private struct Target {
        let rule: NftRuleObject
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
        _ rule: NftRule, table: NftTable.Key, chain: String, position: Int
    ) throws(NftEncodingError) -> NftRuleObject {
        func failure(_ reason: String) -> NftEncodingError {
            NftEncodingError(table: table, chain: chain, rule: position, reason: reason)
        }
        let object = try NftEncodingError.wrap(table: table, chain: chain, rule: position) { () throws(NetlinkError) in
            try NftRuleObject(family: table.family.rawValue, table: table.name, chain: chain)
        }
        let target = Target(rule: object, failure: failure)
        for match in rule.matches {
            try add(match, to: target)
        }
        try add(rule.verdict, to: target)
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

    private static func add(_ match: NftMatch, to target: Target) throws(NftEncodingError) {
        switch match {
        case let .mark(mask, value):
            try target.add { () throws(NetlinkError) in try .meta(key: NftMetaKey.mark, register: NftRegister.one) }
            if mask != .max {
                try bitwise(target, mask: hostBytes(mask), operation: NftBitwiseOperation.maskXor)
            }
            try compare(target, equal: true, hostBytes(value))
        case let .sourceAddress(prefix, negated):
            try address(target, offset: 12, prefix, negated: negated)
        case let .destinationAddress(prefix, negated):
            try address(target, offset: 16, prefix, negated: negated)
        case let .outputInterface(name, negated):
            try interface(target, key: NftMetaKey.outputInterfaceName, name, negated: negated)
        case let .inputInterface(name, negated):
            try interface(target, key: NftMetaKey.inputInterfaceName, name, negated: negated)
        case let .other(text):
            throw target.failure("no wire form for match \"\(text)\"")
        }
    }

    private static func add(_ verdict: NftVerdict, to target: Target) throws(NftEncodingError) {
        switch verdict {
        case .accept: try immediate(target, verdict: NftVerdictCode.accept)
        case .drop: try immediate(target, verdict: NftVerdictCode.drop)
        case .return: try immediate(target, verdict: NftVerdictCode.return)
        case let .jump(chain): try immediate(target, verdict: NftVerdictCode.jump, chain: chain)
        case let .goto(chain): try immediate(target, verdict: NftVerdictCode.goto, chain: chain)
        case .continue: break
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
