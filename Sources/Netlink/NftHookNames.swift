/// nft's names for hook numbers. The same number means different hooks in different families
/// (`NF_INET_*`, `NF_ARP_*`, `NF_NETDEV_*`), so the family (`NFPROTO_*`) is part of the key.
public enum NftHookNames {
    private static let inet = ["prerouting", "input", "forward", "output", "postrouting", "ingress"]
    private static let arp = ["input", "output", "forward"]
    private static let netdev = ["ingress", "egress"]

    private static func names(family: UInt8) -> [String] {
        switch family {
        case 3: arp
        case 5: netdev
        default: inet
        }
    }

    /// The hook's name, or its number when nft has no name for it.
    public static func name(_ hook: UInt32, family: UInt8) -> String {
        let names = names(family: family)
        return hook < names.count ? names[Int(hook)] : String(hook)
    }

    /// The hook number for a name (or a number written as text).
    public static func number(_ name: String, family: UInt8) -> UInt32? {
        if let index = names(family: family).firstIndex(of: name) { return UInt32(index) }
        return UInt32(name)
    }
}
