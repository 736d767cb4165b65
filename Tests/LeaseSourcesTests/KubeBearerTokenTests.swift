import Foundation
@testable import LeaseSources
import Testing

/// A token file is read again when it changes, and only then.
@Suite struct KubeBearerTokenTests {
    @Test func aRewriteIsSeenAndAnUnchangedFileIsNotReadAgain() throws {
        let scratch = try KubeScratch()
        let path = try scratch.write("token", "  one\n")
        let token = KubeBearerToken(file: path, label: "test")
        #expect(try token.current() == "one")
        // Unchanged: the cached token, even with the file unreadable to a read (not to stat).
        #expect(chmod(path, 0) == 0 || getuid() == 0)
        #expect(try token.current() == "one")
        #expect(chmod(path, 0o644) == 0)
        try scratch.write("token", "two-two\n")
        #expect(try token.current() == "two-two")
    }

    @Test func aNewInodeWithTheSameSizeAndTimesCounts() throws {
        let scratch = try KubeScratch()
        let path = try scratch.write("token", "aaaa")
        let token = KubeBearerToken(file: path, label: "test")
        #expect(try token.current() == "aaaa")
        var old = stat()
        #expect(stat(path, &old) == 0)
        let next = try scratch.write("token.next", "bbbb")
        var times = [old.st_atim, old.st_mtim]
        #expect(utimensat(AT_FDCWD, next, &times, 0) == 0)
        #expect(rename(next, path) == 0)
        var new = stat()
        #expect(stat(path, &new) == 0)
        #expect(new.st_size == old.st_size && new.st_mtim.tv_sec == old.st_mtim.tv_sec && new.st_mtim.tv_nsec == old.st_mtim.tv_nsec)
        #expect(new.st_ino != old.st_ino)
        #expect(try token.current() == "bbbb")
    }

    @Test func refusals() throws {
        let scratch = try KubeScratch()
        let path = try scratch.write("token", "\n\n")
        #expect(throws: LeaseSourceError(.invalid, source: "sa", "the token is empty")) {
            try KubeBearerToken(file: path, label: "sa").current()
        }
        try scratch.write("token", String(repeating: "x", count: (64 << 10) + 1))
        #expect(throws: LeaseSourceError(
            .invalid, source: "sa", "cannot read the file (65537 bytes, over the 65536 bytes cap for bearer token files)"
        )) { try KubeBearerToken(file: path, label: "sa").current() }
        try scratch.write("token", "abc\r\nX-Injected: 1")
        #expect(throws: LeaseSourceError(
            .invalid, source: "sa", "the token holds a space, a control character or non-ASCII text, which a request header cannot carry"
        )) { try KubeBearerToken(file: path, label: "sa").current() }
        #expect(throws: LeaseSourceError(.unreachable, source: "sa", "cannot read the file (ENOENT: no such file or directory)")) {
            try KubeBearerToken(file: scratch.directory + "/gone", label: "sa").current()
        }
        #expect(throws: LeaseSourceError(.invalid, source: "inline", "the token is empty")) { try KubeBearerToken(token: " ", label: "inline").current() }
        #expect(try KubeBearerToken(token: "abc\n", label: "inline").current() == "abc")
    }

    @Test func aDeletedFileIsAnErrorThenRecoversWhenItReturns() throws {
        let scratch = try KubeScratch()
        let path = try scratch.write("token", "first")
        let token = KubeBearerToken(file: path, label: "sa")
        #expect(try token.current() == "first")
        #expect(unlink(path) == 0)
        #expect(throws: LeaseSourceError.self) { try token.current() }
        try scratch.write("token", "back")
        #expect(try token.current() == "back")
    }

    @Test func concurrentReadersSeeAWholeToken() async throws {
        let scratch = try KubeScratch()
        let path = try scratch.write("token", "token-0")
        let token = KubeBearerToken(file: path, label: "sa")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<200 {
                        let value = try token.current()
                        #expect(value.hasPrefix("token-"))
                    }
                }
            }
            for round in 1...50 {
                let next = try scratch.write("token.next", "token-\(round)")
                #expect(rename(next, path) == 0)
            }
            try await group.waitForAll()
        }
        #expect(try token.current() == "token-50")
    }
}
