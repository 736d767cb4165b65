/// Turns a byte offset into the line and column an editor shows.
enum InputTextPosition {
    /// 1-based line and column of `offset`. Lines end at `\n`; the column counts Unicode scalars
    /// (UTF-8 continuation bytes are skipped), as libYAML does, so a `é` before the error counts once.
    static func lineAndColumn(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for byte in bytes[..<min(offset, bytes.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }
}
