/// Misuse of the cluster API, as opposed to a failing command (`ShellError`).
enum ClusterError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSuchNode(Int, available: [Int])

    var description: String {
        switch self {
        case .noSuchNode(let index, let available):
            return "no node n\(index); the cluster has \(available.map { "n\($0)" }.joined(separator: ", "))"
        }
    }
}
