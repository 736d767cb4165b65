import Foundation
import Glibc

/// A minimal HTTP/1.1 server on 127.0.0.1 playing a hostile etcd gateway: `/v3/kv/range` answers
/// `rangeBody`, `/v3/watch` streams `watchChunk` forever (chunked encoding) until the client
/// hangs up or `watchLimit` bytes are sent. One thread per connection; closed on `stop()`.
final class FakeEtcdServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var sent = 0
    var rangeBody = Array(#"{"header":{"revision":"5"},"kvs":[],"count":"0"}"#.utf8)
    var watchChunk = [UInt8](repeating: UInt8(ascii: "a"), count: 64 << 10)
    var watchLimit = 512 << 20

    /// Bytes of watch stream written so far.
    var watchBytesSent: Int {
        lock.lock(); defer { lock.unlock() }
        return sent
    }

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(listener, raw, length) == 0 && listen(listener, 16) == 0 && getsockname(listener, raw, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread { [self] in acceptLoop() }.start()
    }

    func stop() { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            Thread { [self] in serve(connection) }.start()
        }
    }

    private func send(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { return false }
            offset += count
        }
        return true
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        while let path = readRequest(connection) {
            if path == "/v3/watch" {
                guard send(connection, Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)) else { return }
                let frame = Array(String(watchChunk.count, radix: 16).utf8) + [13, 10] + watchChunk + [13, 10]
                while watchBytesSent < watchLimit {
                    guard send(connection, frame) else { return }
                    lock.lock(); sent += watchChunk.count; lock.unlock()
                }
                // Past the limit: hold the stream open, as a stuck peer would.
                Thread.sleep(forTimeInterval: 30)
                return
            }
            let header = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(rangeBody.count)\r\n\r\n"
            guard send(connection, Array(header.utf8) + rangeBody) else { return }
        }
    }

    /// Reads one request (headers and a Content-Length body); its path, or nil when the client left.
    private func readRequest(_ connection: Int32) -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while !bytes.suffix(4).elementsEqual([13, 10, 13, 10]) {
            guard recv(connection, &byte, 1, 0) == 1 else { return nil }
            bytes.append(byte)
        }
        let head = String(decoding: bytes, as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        let length = lines.first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
        var body = [UInt8](repeating: 0, count: length)
        var read = 0
        while read < length {
            let count = body[read...].withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return nil }
            read += count
        }
        let words = lines.first?.split(separator: " ") ?? []
        return words.count > 1 ? String(words[1]) : nil
    }
}
