import NetState
import Testing

@Suite struct KernelEnumTests {
    @Test func namesRoundTrip() {
        for (raw, name) in RouteProtocol.names {
            #expect(RouteProtocol(rawValue: raw).description == name)
            #expect(RouteProtocol(name: name) == RouteProtocol(rawValue: raw))
        }
        for (raw, name) in RouteScope.names { #expect(RouteScope(name: name)?.rawValue == raw) }
        for (raw, name) in RouteType.names { #expect(RouteType(name: name)?.rawValue == raw) }
        for (raw, name) in RouteTable.names { #expect(RouteTable(name: name)?.rawValue == raw) }
        for (raw, name) in NeighborState.names { #expect(NeighborState(name: name)?.rawValue == raw) }
        for (raw, name) in NftFamily.names { #expect(NftFamily(name: name)?.rawValue == raw) }
    }

    @Test func iproute2Names() {
        #expect(RouteProtocol.boot.description == "boot")
        #expect(RouteProtocol.kernel.description == "kernel")
        #expect(RouteScope.universe.description == "global")
        #expect(RouteScope.link.description == "link")
        #expect(RouteType.blackhole.description == "blackhole")
        #expect(RouteTable.main.description == "main")
        #expect(NeighborState.permanent.description == "permanent")
        #expect(NftFamily.ip.description == "ip")
        #expect(NftFamily.inet.description == "inet")
    }

    @Test func unnamedValuesRoundTripAsNumbers() {
        #expect(RouteTable(rawValue: 100).description == "100")
        #expect(RouteTable(name: "100") == RouteTable(rawValue: 100))
        #expect(RouteProtocol(rawValue: 99).description == "99")
        #expect(RouteProtocol(name: "99") == RouteProtocol(rawValue: 99))
        #expect(RouteProtocol(name: "3") == .boot, "a number with a name still parses")
        #expect(RouteProtocol(name: "no-such-protocol") == nil)
        #expect(RouteProtocol(name: "300") == nil, "out of range for UInt8")
        #expect(RouteTable(name: "") == nil)
    }

    @Test func ordersByRawValue() {
        #expect(RouteTable.default < RouteTable.main)
        #expect(RouteTable.main < RouteTable.local)
        #expect([NeighborState.permanent, .incomplete, .stale].sorted() == [.incomplete, .stale, .permanent])
    }
}
