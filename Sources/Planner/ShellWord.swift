/// POSIX shell quoting for the values a script interpolates. Interface names come from
/// snapshots and flags: `eth0;reboot` is a name the kernel accepts, and unquoted it would run
/// `reboot` for whoever runs the script.
public enum ShellWord {
    /// `word` as one shell word: unchanged when every byte is one no shell treats specially
    /// (letters, digits and `@%+=:,./_-`, the set Python's `shlex.quote` leaves alone), so
    /// `flannel.1`, `10.244.1.0/24` and MACs read as before; otherwise in single quotes, where
    /// only `'` itself needs care (`'\''`). An empty word is `''`.
    public static func quote(_ word: String) -> String {
        if !word.isEmpty, word.utf8.allSatisfy(isSafe) { return word }
        var quoted = "'"
        for character in word.unicodeScalars {
            if character == "'" { quoted += "'\\''" } else { quoted.unicodeScalars.append(character) }
        }
        return quoted + "'"
    }

    static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "@"), UInt8(ascii: "%"), UInt8(ascii: "+"), UInt8(ascii: "="), UInt8(ascii: ":"),
             UInt8(ascii: ","), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }

    /// A here-document delimiter that no line of `body` equals, so the body cannot end the
    /// here-document early and run its remaining lines as shell commands: `preferred`, or
    /// `preferred_1`, `preferred_2`, … when a line already is that word.
    public static func heredocDelimiter(_ preferred: String, avoiding body: [String]) -> String {
        // Split on the newline byte, as the shell does: as Swift Characters "\r\n" is one
        // character, and a line "X\r\nNFT" would hide the line "NFT" from a split on "\n".
        let lines = Set(body.flatMap { line in
            line.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        })
        var candidate = preferred
        var suffix = 0
        while lines.contains(candidate) {
            suffix += 1
            candidate = "\(preferred)_\(suffix)"
        }
        return candidate
    }
}
