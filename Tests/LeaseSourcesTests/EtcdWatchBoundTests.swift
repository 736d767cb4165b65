import Foundation
import Testing

@testable import LeaseSources

/// A watch stream that never sends a newline must not grow the agent: the source drops it once
/// the unfinished line passes its cap and lists again; and splitting lines is linear.
@Suite("etcd: bounded watch stream")
struct EtcdWatchBoundTests {
    private static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * 4096 : 0
    }

    @Test("an endless line drops the stream with a failure, and memory stays bounded", .timeLimit(.minutes(1)))
    func endlessLine() async throws {
        let server = try FakeEtcdServer()
        defer { server.stop() }
        let source = try EtcdLeaseSource(
            endpoints: [EtcdEndpoint(host: "127.0.0.1", port: server.port)], prefix: "/coreos.com/network", readsConfig: false,
            requestTimeout: .seconds(10)
        )
        let before = Self.residentBytes()
        let outcome: Result<Void, LeaseSourceError> = await withTaskGroup(of: Result<Void, LeaseSourceError>?.self) { group in
            group.addTask {
                do throws(LeaseSourceError) {
                    try await source.watch(EtcdEndpoint(host: "127.0.0.1", port: server.port), from: 6)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
            // Before the cap existed the watch never ended: give it 20 s, then fail the test.
            group.addTask {
                try? await Task.sleep(for: .seconds(20))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .success(())
        }
        await source.shutdown()
        let grown = Self.residentBytes() - before
        guard case .failure(let error) = outcome else {
            Issue.record("the watch did not drop the endless line within 20 s (\(server.watchBytesSent >> 20) MiB sent)")
            return
        }
        #expect(error.kind == .invalid)
        #expect(error.message == "a watch message over 8388608 bytes without a newline; dropped the stream to list again")
        #expect(server.watchBytesSent >= 8 << 20)
        #expect(grown < 48 << 20, "the process grew by \(grown >> 20) MiB")
    }

    @Test("lines are split across chunks, and a tail over the cap is refused")
    func splitting() {
        var lines = WatchLines(maxLine: 10)
        var fits = lines.append(Array("ab\ncd".utf8))
        #expect(fits)
        var line = lines.next()
        #expect(line == Array("ab".utf8))
        line = lines.next()
        #expect(line == nil)
        fits = lines.append(Array("e\n\nfg".utf8))
        #expect(fits)
        line = lines.next()
        #expect(line == Array("cde".utf8))
        line = lines.next()
        #expect(line == [])
        line = lines.next()
        #expect(line == nil)
        #expect(lines.rest == Array("fg".utf8))
        fits = lines.append(Array("12345678".utf8))
        #expect(fits, "fg12345678 is 10 bytes: at the cap")
        fits = lines.append(Array("9".utf8))
        #expect(!fits, "fg123456789 is 11 bytes without a newline")
    }

    @Test("a range answer over the cap is refused as invalid")
    func rangeCap() async throws {
        let server = try FakeEtcdServer()
        defer { server.stop() }
        server.rangeBody = [UInt8](repeating: UInt8(ascii: " "), count: EtcdLeaseSource.maxRangeBody + 1)
        let endpoint = EtcdEndpoint(host: "127.0.0.1", port: server.port)
        let source = try EtcdLeaseSource(endpoints: [endpoint], prefix: "/coreos.com/network", readsConfig: false, requestTimeout: .seconds(10))
        var caught: LeaseSourceError?
        do {
            _ = try await source.list(endpoint)
        } catch {
            caught = error
        }
        await source.shutdown()
        #expect(caught?.kind == .invalid)
        #expect(caught?.message == "the answer is over the 32 MiB cap for an etcd response")
    }
}
