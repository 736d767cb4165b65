import NetState
import StateJSON

/// Random but reproducible model values: every optional both present and absent, names with
/// characters that need escaping, enums without names.
struct RandomState {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    mutating func chance() -> Bool { next() & 1 == 0 }

    mutating func address() -> IPv4Address { IPv4Address(UInt32(truncatingIfNeeded: next())) }
    mutating func prefix() -> IPv4Prefix { IPv4Prefix(address: address(), length: UInt8(below(33))) }
    /// Either family, IPv6 with runs of zero groups (so `::` compression is exercised).
    mutating func ipAddress() -> IPAddress {
        guard chance() else { return .v4(address()) }
        let high = chance() ? next() : next() & 0xffff_0000_0000_ffff
        let low = [next(), 0, 1, next() & 0xffff, next() & 0xffff_ffff][below(5)]
        return .v6(IPv6Address(high: high, low: low))
    }
    mutating func ipPrefix() -> IPPrefix {
        let address = ipAddress()
        return IPPrefix(address: address, length: UInt8(below(Int(address.bitWidth) + 1)))
    }
    mutating func ipInterfaceAddress() -> InterfaceAddress {
        let address = ipAddress()
        return InterfaceAddress(address: address, length: UInt8(below(Int(address.bitWidth) + 1)))
    }
    mutating func mac() -> MACAddress { MACAddress(next()) }

    mutating func name() -> String {
        let pieces = ["flannel.1", "eth0", "ens3", "vx\"lan", "tab\there", "back\\slash", "sl/ash", "é-ü", "\u{1}\u{1f}\u{7f}", "line\nfeed", "", "x"]
        return pieces[below(pieces.count)] + (chance() ? String(below(1000)) : "")
    }

    /// An interface name: one the kernel would take (the reader refuses others, see
    /// `InterfaceName`), still with characters that need escaping in JSON.
    mutating func deviceName() -> String {
        let pieces = ["flannel.1", "eth0", "ens3", "vx\"lan", "back\\slash", "é-ü", "\u{1}\u{1f}\u{7f}", "x"]
        return pieces[below(pieces.count)] + (chance() ? String(below(1000)) : "")
    }

    mutating func route() -> Route {
        Route(
            key: .init(
                table: RouteTable(rawValue: [254, 255, 100, 253, 7][below(5)]), destination: ipPrefix(),
                tos: UInt8(below(256)), metric: chance() ? 0 : UInt32(truncatingIfNeeded: next())
            ),
            type: RouteType(rawValue: UInt8(below(13))), gateway: chance() ? ipAddress() : nil,
            device: chance() ? deviceName() : nil, scope: RouteScope(rawValue: [0, 200, 253, 254, 255, 17][below(6)]),
            proto: RouteProtocol(rawValue: UInt8(below(256))), onLink: chance(), preferredSource: chance() ? ipAddress() : nil
        )
    }

    mutating func snapshot() -> Snapshot {
        let routes = (0..<below(30)).map { _ in route() }
        let neighbors = (0..<below(20)).map { _ in
            Neighbor(key: .init(device: deviceName(), ip: ipAddress()), lladdr: chance() ? mac() : nil, state: NeighborState(rawValue: UInt16(below(300))))
        }
        let fdb = (0..<below(20)).map { _ in
            FdbEntry(key: .init(device: deviceName(), mac: mac()), destination: chance() ? ipAddress() : nil, isSelf: chance(), state: NeighborState(rawValue: UInt16(below(300))))
        }
        let tables = (0..<below(3)).map { index in
            NftTable(
                key: .init(family: NftFamily(rawValue: UInt8(below(12))), name: name() + String(index)),
                comment: chance() ? name() : nil,
                chains: (0..<below(3)).map { _ in
                    NftChain(
                        name: name(), comment: chance() ? name() : nil,
                        hook: chance() ? .init(type: name(), hook: "postrouting", priority: Int32(truncatingIfNeeded: next()), policyAccept: chance()) : nil,
                        rules: (0..<below(4)).map { _ in
                            NftRule(
                                [.mark(mask: UInt32(truncatingIfNeeded: next()), value: 3), .destinationAddress(prefix(), negated: chance()), .inputInterface(name(), negated: chance()), .other(name())].filter { _ in chance() },
                                [NftVerdict.accept, .drop, .return, .masquerade(fullyRandom: chance()), .jump(name()), .goto("x"), .continue, .other("queue")][below(8)],
                                comment: chance() ? name() : nil
                            )
                        }
                    )
                }
            )
        }
        let vxlan: VxlanLink? = chance() ? nil : VxlanLink(
            name: deviceName(), vni: UInt32(truncatingIfNeeded: next()), local: chance() ? ipAddress() : nil,
            underlay: chance() ? deviceName() : nil,
            port: UInt16(truncatingIfNeeded: next()), learning: chance(), gbp: chance(), mtu: UInt32(below(10000)),
            mac: chance() ? mac() : nil, up: chance(),
            addresses: (0..<below(3)).map { _ in ipInterfaceAddress() },
            txQueueLength: chance() ? nil : UInt32(below(2000)), acceptRA: chance() ? nil : Int32(below(3))
        )
        var lookups: [IPAddress: Bool] = [:]
        for _ in 0..<below(10) { lookups[ipAddress()] = chance() }
        let facts = LinkFacts(
            underlay: deviceName(), mtu: 68 + UInt32(below(65535 - 68 + 1)),
            addresses: (0..<below(3)).map { _ in ipInterfaceAddress() },
            onLinkNetworks: (0..<below(3)).map { _ in ipPrefix() }, routeLookups: lookups
        )
        let vxlan6: VxlanLink? = chance() ? nil : VxlanLink(
            name: deviceName(), vni: UInt32(truncatingIfNeeded: next()), local: chance() ? ipAddress() : nil,
            underlay: chance() ? deviceName() : nil, mtu: UInt32(below(10000)), mac: chance() ? mac() : nil,
            addresses: (0..<below(3)).map { _ in ipInterfaceAddress() }
        )
        return Snapshot(state: NetworkState(vxlan: vxlan, vxlan6: vxlan6, routes: routes, neighbors: neighbors, fdb: fdb, tables: tables), facts: facts)
    }
}
