import Desired
import Foundation
import LeaseSources

/// The Kubernetes API source's parsers (watch lines, list pages, `Status` bodies, the annotation
/// prefix), the kubeconfig and in-cluster readers, and the etcd watch-message reader with the
/// cache it feeds. Beyond "no crash, hang or blow-up" each target checks what a caller relies on:
/// a refusal names its source, reading the same bytes twice gives the same answer, and the
/// selective JSON parse agrees with the full one (`FuzzKube.differential`).
enum FuzzKube {
    static let customPrefix = (try? KubeAnnotationPrefix("example.com/cni")) ?? .flannel

    /// The prefix an input is read with: mostly flannel's, sometimes a custom one.
    static func prefix(for bytes: [UInt8]) -> KubeAnnotationPrefix { bytes.count % 5 == 0 ? customPrefix : .flannel }

    static func watchLine(_ bytes: [UInt8]) -> Bool {
        let source = "fuzz watch"
        let prefix = prefix(for: bytes)
        annotationPrefix(bytes)
        let read = { bytes.withUnsafeBytes { raw in Result { () throws(InputError) in try KubeAPIReader.watchEvent(raw, source: source, prefix: prefix) } } }
        let first = read()
        FuzzCheck.require(first == read(), "two reads of the same watch line differ")
        if case .failure(let error) = first { FuzzCheck.refusal(error.source, source, error.description) }
        let status = bytes.withUnsafeBytes { KubeAPIReader.status($0) }
        FuzzCheck.require(status == bytes.withUnsafeBytes { KubeAPIReader.status($0) }, "two reads of the same Status differ")
        differential(bytes, selection: KubeAPIReader.watchSelection(prefix))
        if case .success = first { return true }
        return false
    }

    static func listPage(_ bytes: [UInt8]) -> Bool {
        let source = "fuzz list"
        let prefix = prefix(for: bytes)
        let read = { bytes.withUnsafeBytes { raw in Result { () throws(InputError) in try KubeAPIReader.listPage(raw, source: source, prefix: prefix) } } }
        let first = read()
        FuzzCheck.require(first == read(), "two reads of the same list page differ")
        if case .failure(let error) = first { FuzzCheck.refusal(error.source, source, error.description) }
        differential(bytes, selection: KubeAPIReader.listSelection(prefix))
        if case .success = first { return true }
        return false
    }

    /// `--kube-annotation-prefix` from the input's first line: a prefix it accepts is already
    /// normal (reading its text again gives it back), a refusal names the flag.
    static func annotationPrefix(_ bytes: [UInt8]) {
        let line = bytes.prefix(256).prefix { $0 != UInt8(ascii: "\n") }
        let flag = String(decoding: line, as: UTF8.self)
        do {
            let prefix = try KubeAnnotationPrefix(flag)
            FuzzCheck.require((try? KubeAnnotationPrefix(prefix.text)) == prefix, "the prefix \(prefix.text.debugDescription) does not read back as itself")
        } catch {
            FuzzCheck.require(error.field == "--kube-annotation-prefix", "a prefix refusal that does not name the flag: \(error)")
        }
    }

    // MARK: The selective parse against the full one

    /// The full parse and the selective one agree:
    /// - `parse(_:selecting: .all)` is `parse(_:)`, answer and error alike;
    /// - whatever the full parse accepts, the selective one accepts, and builds exactly the
    ///   selected part of the full tree;
    /// - the selective parse may accept what the full one refuses only for escapes it does not
    ///   decode in a string it skips (a documented leniency: the skip finds the closing quote, a
    ///   backslash taking the next byte along). Checked by repairing each such escape the full
    ///   parse reports (its backslash made `_`, so the skip sees the same string boundary): once
    ///   the full parse accepts, the selected tree must be the one the selective parse built
    ///   from the unrepaired input. An error anywhere else, or in a part that is built, would
    ///   make the selective parse refuse too.
    static func differential(_ bytes: [UInt8], selection: JSONSelection) {
        let full = Result { () throws(InputJSONSyntaxError) in try InputJSONParser.parse(bytes) }
        let all = bytes.withUnsafeBytes { raw in Result { () throws(InputJSONSyntaxError) in try InputJSONParser.parse(raw, selecting: .all) } }
        FuzzCheck.require(full == all, "parse(_:selecting: .all) differs from parse(_:)")
        let selected = bytes.withUnsafeBytes { raw in Result { () throws(InputJSONSyntaxError) in try InputJSONParser.parse(raw, selecting: selection) } }
        switch (full, selected) {
        case (.success(let tree), .success(let part)):
            FuzzCheck.require(pruned(tree, selection) == part, "the selective parse built something else than the selected part of the full tree")
        case (.success, .failure(let error)):
            FuzzCheck.fail("the selective parse refused what the full parse accepts: \(error)")
        case (.failure, .failure):
            break
        case (.failure(var error), .success(let part)):
            var repaired = bytes
            for _ in 0..<64 {
                FuzzCheck.require(
                    error.reason.hasPrefix("invalid escape sequence") || error.reason.hasPrefix("expected four hex digits"),
                    "the selective parse accepts what the full parse refuses, not for an escape: \(error)"
                )
                guard error.offset < repaired.count,
                      let backslash = repaired[...error.offset].lastIndex(of: UInt8(ascii: "\\"))
                else { FuzzCheck.fail("an escape error without its backslash: \(error)") }
                repaired[backslash] = UInt8(ascii: "_")
                // A control character the skip took as escaped would now end the string early.
                if backslash + 1 < repaired.count, repaired[backslash + 1] < 0x20 { repaired[backslash + 1] = UInt8(ascii: "_") }
                switch Result(catching: { () throws(InputJSONSyntaxError) in try InputJSONParser.parse(repaired) }) {
                case .success(let tree):
                    FuzzCheck.require(pruned(tree, selection) == part, "a bad escape the selective parse skipped was in a part it builds")
                    return
                case .failure(let next):
                    error = next
                }
            }
        }
    }

    /// The part of `json` that `selection` builds, as `InputJSONParser.parseValue(selecting:)`
    /// defines it (a container of the wrong kind is built whole).
    static func pruned(_ json: InputJSON, _ selection: JSONSelection) -> InputJSON {
        switch (selection, json) {
        case (.members(let selected), .object(let members)):
            return .object(members.compactMap { member in
                guard let inner = selected[member.key] else { return nil }
                var kept = member
                kept.value = pruned(member.value, inner)
                return kept
            })
        case (.membersPrefixed(let prefix), .object(let members)):
            return .object(members.filter { $0.key.hasPrefix(prefix) })
        case (.elements(let inner), .array(let elements)):
            return .array(elements.map { pruned($0, inner) })
        default:
            return json
        }
    }

    // MARK: kubeconfig

    /// The scratch directory the kubeconfig under test is written to: relative file fields
    /// resolve inside it, where nothing but the kubeconfig exists.
    nonisolated(unsafe) static var scratch = ".build/fuzz/kubeconfig"

    static let fileFields: Set<String> = ["certificate-authority", "client-certificate", "client-key", "tokenFile"]

    /// True when some file field anywhere in the document could lead outside the scratch
    /// directory (absolute, or with `..`): the reader is then not run, so the fuzzer never
    /// reads a file of the machine's. Refusing the whole document is a superset of what the
    /// reader reads (it takes only certain members of certain objects).
    static func leavesScratch(_ json: InputJSON) -> Bool {
        switch json {
        case .object(let members):
            return members.contains { member in
                if fileFields.contains(member.key), case .string(let path) = member.value,
                   path.hasPrefix("/") || path.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
                    return true
                }
                return leavesScratch(member.value)
            }
        case .array(let elements):
            return elements.contains(where: leavesScratch)
        default:
            return false
        }
    }

    static func kubeconfig(_ bytes: [UInt8]) -> Bool {
        let path = scratch + "/config"
        if let document = try? InputYAML.parse(bytes, path: InputPath(source: "fuzz")), leavesScratch(document) { return false }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            FuzzCheck.fail("cannot write \(path)")
        }
        defer { try? FileManager.default.removeItem(atPath: path) }
        let override = bytes.count % 4 == 0 ? "https://10.96.0.1:443" : nil
        let load = { Result { () throws(LeaseSourceError) in try KubeConfigFile.load(path, serverOverride: override) } }
        let first = load()
        let second = load()
        switch (first, second) {
        case (.success(let a), .success(let b)):
            FuzzCheck.require(
                a.server == b.server && a.credentials == b.credentials && a.source == b.source
                    && a.tls?.certificateAuthorities == b.tls?.certificateAuthorities
                    && a.tls?.clientCertificate?.chain == b.tls?.clientCertificate?.chain,
                "two loads of the same kubeconfig differ"
            )
            if case .tokenFile(let file) = a.credentials {
                FuzzCheck.require(file.hasPrefix(scratch + "/"), "a token file outside the scratch directory was used: \(file)")
            }
            return true
        case (.failure(let a), .failure(let b)):
            FuzzCheck.require(a == b, "two loads of the same kubeconfig fail differently: \(a) / \(b)")
            FuzzCheck.refusal(a.source, "kubeconfig \(path)", a.description)
            return false
        default:
            FuzzCheck.fail("one load of a kubeconfig succeeds, the other fails")
        }
    }

    /// `KUBERNETES_SERVICE_HOST` and `_PORT` from the input's first two lines, the service
    /// account directory one that does not exist: always refused, naming the in-cluster
    /// configuration; an accepted host and port are what the refusal reaches past.
    static func inCluster(_ bytes: [UInt8]) -> Bool {
        let lines = bytes.prefix(1024).split(separator: UInt8(ascii: "\n"), maxSplits: 2, omittingEmptySubsequences: false)
        let environment = [
            "KUBERNETES_SERVICE_HOST": String(decoding: lines.first ?? [], as: UTF8.self),
            "KUBERNETES_SERVICE_PORT": String(decoding: lines.dropFirst().first ?? [], as: UTF8.self),
        ]
        do {
            _ = try KubeInCluster.load(environment: environment, serviceAccountDirectory: scratch + "/no-service-account")
            FuzzCheck.fail("an in-cluster configuration loaded from a directory that does not exist")
        } catch {
            FuzzCheck.require(error.source.hasPrefix("in-cluster"), "an in-cluster refusal that does not name it: \(error)")
            // Past the host and port checks: the refusal is about the missing CA file.
            return error.message.contains("cannot read the file")
        }
    }

    // MARK: etcd

    /// Each line a watch message, its events applied to a cache as the etcd source does. A
    /// refusal names the source; reading a line twice gives the same message; the cache stays
    /// in etcd's key order; applying a batch again leaves the cache as it was (the last event of
    /// each key decides).
    static func etcdWatch(_ bytes: [UInt8]) -> Bool {
        let source = "fuzz etcd"
        var cache = EtcdLeaseCache(subnetsPrefix: Array("/coreos.com/network/subnets/".utf8), recordSource: source, leases: [], rejected: [])
        var read = false
        for line in bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 64, omittingEmptySubsequences: false) {
            let line = Array(line)
            let first = Result { () throws(LeaseSourceError) in try EtcdLeaseSource.watchMessage(line, source: source) }
            FuzzCheck.require(first == Result { () throws(LeaseSourceError) in try EtcdLeaseSource.watchMessage(line, source: source) }, "two reads of the same etcd watch message differ")
            switch first {
            case .failure(let error):
                FuzzCheck.refusal(error.source, source, error.description)
            case .success(.events(let events, _)):
                read = true
                if case .relist = cache.apply(events) { continue }
                let leases = cache.leases.map(\.key), rejected = cache.rejected.map(\.key)
                FuzzCheck.require(isOrdered(leases) && isOrdered(rejected), "the cache left etcd's key order")
                if case .relist = cache.apply(events) { continue }
                FuzzCheck.require(cache.leases.map(\.key) == leases && cache.rejected.map(\.key) == rejected, "applying a batch again changed the cache")
            case .success:
                read = true
            }
        }
        return read
    }

    static func isOrdered(_ keys: [String]) -> Bool {
        zip(keys, keys.dropFirst()).allSatisfy { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
