import NetState

/// `NftMatch(parsing:)`, the reader of the matches snapshots and plan files hold in nft's words:
/// whatever it makes of a text must print (`description`) to a text that parses back to the
/// same match, so a snapshot written and read again says the same. Address matches of both
/// families (`ip saddr`, `ip6 daddr != fd00::/56`, a bare `/128` host) are the seeds.
enum FuzzMatchWords {
    static let seeds = [
        "ip saddr 10.244.0.0/16", "ip daddr != 224.0.0.0/4", "ip saddr 10.0.0.1",
        "ip6 saddr fd00:10:244::/56", "ip6 daddr != ff00::/8", "ip6 saddr fd00::1", "ip6 daddr ::/0",
        "ip6 saddr fd00:10:244:1::/64", "ip6 daddr 2001:db8::/44", "ip6 saddr != ::ffff:10.0.0.1",
        "meta mark & 0x00004000 == 0x00004000", "oifname != \"eth0\"", "xt comment \"flanneld masq\"", "counter",
    ]

    static func roundTrip(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        let match = NftMatch(parsing: text)
        let again = NftMatch(parsing: match.description)
        FuzzCheck.require(
            again == match, "NftMatch(parsing: \(text.debugDescription)) prints \(match.description.debugDescription), which parses to \(again)"
        )
        if case .other = match { return false }
        return true
    }
}
