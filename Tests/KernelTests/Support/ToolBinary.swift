import Foundation

/// The built `netplan-flannel` binary, next to the test bundle: kernel tests run the tool the way
/// an operator does, inside a node's namespace with `ip netns exec`.
enum ToolBinary {
    static var path: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // The test binary sits in `<config>/X.xctest` (a directory on macOS, a file on Linux).
        while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("netplan-flannel").path),
              directory.path != "/" {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("netplan-flannel").path
    }

    static let goldenCases = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Golden/Cases")
}
