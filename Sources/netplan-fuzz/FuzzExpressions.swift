import Netlink

/// nf_tables expressions made from fuzz bytes: each expression takes a kind byte and then the
/// bytes its fields need, so mutations of one input walk nearby rules (registers that do not
/// flow, short compares, odd masks, xt `info` blobs of every length).
enum FuzzExpressions {
    static func build(_ bytes: [UInt8]) -> [NftExpression] {
        var reader = Reader(bytes: bytes)
        var expressions: [NftExpression] = []
        while let kind = reader.byte(), expressions.count < 64 {
            switch kind % 10 {
            case 0: expressions.append(.payload(base: reader.small(), offset: reader.small() * 4, length: reader.small(), register: reader.small()))
            case 1: expressions.append(.meta(key: reader.small(), register: reader.small()))
            case 2:
                let register = reader.small()
                expressions.append(.bitwise(source: register, destination: reader.small(), mask: reader.blob(), xor: reader.blob()))
            case 3: expressions.append(.compare(register: reader.small(), operation: reader.small() % 6, data: reader.blob()))
            case 4: expressions.append(.verdict(code: Int32(bitPattern: reader.small()) - 5, chain: reader.small() % 2 == 0 ? "FLANNEL-POSTRTG" : nil))
            case 5: expressions.append(.masquerade(flags: reader.small(), hasRegisters: reader.small() % 2 == 0))
            case 6: expressions.append(.counter)
            case 7: expressions.append(.match(name: reader.small() % 2 == 0 ? "comment" : "mark", revision: reader.small() % 3, info: reader.blob(large: true)))
            case 8: expressions.append(.target(name: "MASQUERADE", revision: reader.small() % 2, info: reader.blob(large: true)))
            default: expressions.append(.unknown(String(decoding: reader.blob(), as: UTF8.self)))
            }
        }
        return expressions
    }

    struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func byte() -> UInt8? {
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return bytes[index]
        }

        mutating func small() -> UInt32 { UInt32(byte() ?? 0) % 24 }

        /// A length byte, then that many bytes (up to 300 with `large`: the comment match's
        /// info is 256).
        mutating func blob(large: Bool = false) -> [UInt8] {
            let length = large ? Int(byte() ?? 0) + Int(byte() ?? 0) % 64 : Int(byte() ?? 0) % 20
            var out: [UInt8] = []
            for _ in 0..<length {
                guard let next = byte() else { break }
                out.append(next)
            }
            return out
        }
    }
}
