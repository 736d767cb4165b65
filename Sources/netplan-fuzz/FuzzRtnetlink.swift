import NetState
import Netlink
import Observed

/// The rtnetlink decoders of both families over hostile bytes: every message the input parses
/// into is decoded as a route, a neighbour or fdb entry, an address and a link, and read into
/// the model as the observer reads it. Decode errors are the expected outcome; a crash (an
/// address read past its attribute, a 4-byte IPv6 address) is not.
enum FuzzRtnetlink {
    static func messages(_ bytes: [UInt8]) -> Bool {
        guard let messages = try? NetlinkMessage.parse(bytes) else { return false }
        var accepted = false
        for message in messages {
            if let route = try? RouteMessage(decoding: message) {
                _ = route.route(deviceNames: [:])?.description
                _ = route.destination
                accepted = true
            }
            if let neighbor = try? NeighborMessage(decoding: message) {
                _ = neighbor.neighbor(deviceNames: [:])?.description
                _ = neighbor.fdbEntry(deviceNames: [:])?.description
                accepted = true
            }
            if let address = try? AddressMessage(decoding: message) {
                _ = address.address?.description
                _ = ObservationScope.reads(address)
                accepted = true
            }
            if let link = try? LinkMessage(decoding: message) {
                _ = link.vxlanLink(addresses: [], deviceNames: [:])?.description
                accepted = true
            }
        }
        return accepted
    }

    /// Requests of every kind and both families, as the codecs build them: well-formed
    /// messages for the mutator to start from.
    static let seeds: [[UInt8]] = {
        let v6 = NetlinkAddress(ipv6High: 0xfd00_0010_0244_0002, low: 0)
        let p6 = NetlinkAddress(ipv6High: 0xfd00_0022_0000_0000, low: 0x12)
        let v4 = NetlinkAddress(ipv4: 0x0af4_0200)
        var fdb = NeighborAttributes(family: NeighborAttributes.bridge, index: 8, state: 0x80, destination: p6, lladdr: 0x0e4c_8b10_0062)
        fdb.isSelf = true
        return [
            RouteAttributes(
                family: RouteAttributes.inet6, destination: v6, destinationLength: 64, table: 254, proto: 3, scope: 0, type: 1,
                flags: 4, metric: 1024, gateway: v6, outputIndex: 8
            ).request(.new, flags: [.request]),
            RouteAttributes(destination: v4, destinationLength: 24, table: 254, proto: 3, scope: 0, type: 1, gateway: v4, outputIndex: 7)
                .request(.new, flags: [.request]),
            NeighborAttributes(family: NeighborAttributes.inet6, index: 8, state: 0x80, destination: v6, lladdr: 0x0e4c_8b10_0062)
                .request(.new, flags: [.request]),
            fdb.request(.new, flags: [.request]),
            AddressAttributes(family: AddressAttributes.inet6, prefixLength: 128, index: 8, flags: 0x280, local: v6, address: v6)
                .request(.new, flags: [.request]),
            LinkAttributes(
                index: 8, name: "flannel-v6.1", mtu: 1430, mac: 0x0e4c_8b10_0061, up: true, kind: "vxlan",
                vxlan: LinkAttributes.Vxlan(vni: 1, local: p6, underlayIndex: 2, port: 8472, learning: false)
            ).request(.new, flags: [.request]),
        ]
    }()
}
