/// Which build this is: the version from the repository's VERSION file and the commit it was
/// built from (`git rev-parse --short=12 HEAD`, `-dirty` when tracked files differed, `unknown`
/// outside a git checkout). The values come from `scripts/build-info`, which the build-tool plugin
/// `BuildInfoPlugin` runs whenever VERSION or git's HEAD, reflog or index changed, and which
/// writes the other half of this type (`generatedVersion`, `generatedCommit`) into the build
/// folder, never into the repository.
///
/// Standard library only; the commands print it (`--version`), and the agent logs it at start and
/// exports it as `netplan_flannel_build_info{version,commit} 1`.
public enum BuildInfo {
    /// The version, e.g. `0.1.0`.
    public static var version: String { generatedVersion }

    /// The commit, e.g. `8a1192f8e1b9` or `8a1192f8e1b9-dirty`, or `unknown`.
    public static var commit: String { generatedCommit }

    /// What `netplan-flannel --version` prints: `netplan-flannel 0.1.0 (commit 8a1192f8e1b9)`.
    public static var versionLine: String { "netplan-flannel \(version) (commit \(commit))" }
}
