/// A value that prints itself by appending to a string, so listings of thousands of routes,
/// neighbours and FDB entries build one string instead of one per word. Its `description` is
/// the same text.
public protocol TextAppending: CustomStringConvertible {
    func append(to text: inout String)
}

extension TextAppending {
    public var description: String {
        var text = ""
        text.reserveCapacity(64)
        append(to: &text)
        return text
    }
}
