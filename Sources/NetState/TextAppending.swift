/// A value that prints itself by appending to a byte buffer, so listings of thousands of
/// routes, neighbours and FDB entries build one buffer instead of one string per word. Its
/// `description` is the same text.
public protocol TextAppending: CustomStringConvertible {
    func append(to text: inout TextBuffer)
}

extension TextAppending {
    public var description: String {
        var text = TextBuffer(capacity: 64)
        append(to: &text)
        return text.string
    }
}
