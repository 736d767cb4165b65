import Desired
import Foundation
@testable import LeaseSources
import Testing

struct EtcdJSONTests {
    @Test func rangeEndIncrementsTheLastByte() {
        #expect(EtcdLeaseSource.rangeEnd(of: Array("/coreos.com/network/subnets/".utf8)) == Array("/coreos.com/network/subnets0".utf8))
        #expect(EtcdLeaseSource.rangeEnd(of: [0x61, 0xff]) == [0x62])
        #expect(EtcdLeaseSource.rangeEnd(of: [0xff]) == [0])
    }

    @Test func revisionComesFromTheHeaderAsAString() throws {
        let body = Array(#"{"header":{"cluster_id":"1","revision":"42","raft_term":"2"},"count":"0"}"#.utf8)
        #expect(try EtcdLeaseSource.revision(in: body, source: "t") == 42)
        #expect(throws: LeaseSourceError.self) { try EtcdLeaseSource.revision(in: Array("{}".utf8), source: "t") }
        #expect(throws: LeaseSourceError.self) { try EtcdLeaseSource.revision(in: Array("<html>".utf8), source: "t") }
    }

    /// A range answer from the gateway is what `etcdctl -w json` prints, so LeaseReader reads it.
    @Test func aRangeAnswerParsesAsLeases() throws {
        func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        let value = #"{"PublicIP":"172.22.1.176","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0e:4c:8b:10:01:01"}}"#
        let body = """
            {"header":{"revision":"7"},"kvs":[{"key":"\(b64("/coreos.com/network/subnets/10.244.1.0-24"))",\
            "create_revision":"5","mod_revision":"7","version":"1","value":"\(b64(value))","lease":"694d7f"}],"count":"1"}
            """
        let leases = try LeaseReader.parse(Array(body.utf8), source: "etcd")
        #expect(leases.map { $0.subnet?.description } == ["10.244.1.0/24"])
        #expect(leases.first?.vtepMAC?.description == "0e:4c:8b:10:01:01")
        #expect(try EtcdLeaseSource.firstValue(in: Array(body.utf8), source: "t") == Array(value.utf8))
    }

    @Test func watchMessages() throws {
        func asks(_ line: String) throws -> Bool { try EtcdLeaseSource.watchLineAsksForList(Array(line.utf8), source: "t") }
        #expect(try asks(#"{"result":{"header":{"revision":"9"},"created":true}}"#) == false)
        #expect(try asks(#"{"result":{"header":{"revision":"9"}}}"#) == false)
        #expect(try asks(#"{"result":{"header":{"revision":"10"},"events":[{"kv":{"key":"YQ=="}}]}}"#))
        #expect(try asks(#"{"result":{"header":{"revision":"10"},"compact_revision":"8"}}"#))
        #expect(try asks(#"{"result":{"header":{"revision":"10"},"canceled":true}}"#))
        #expect(throws: LeaseSourceError.self) { try asks(#"{"error":{"grpc_code":14,"message":"unavailable"}}"#) }
        #expect(throws: LeaseSourceError.self) { try asks("garbage") }
    }

    /// Found by netplan-fuzz: the refusal quoted the `error` object's description, whose member
    /// order changes from one parse to the next (two reads of one line gave two messages) and
    /// which carried whatever the peer sent into the log; a `type` that is an object likewise.
    @Test func watchRefusalsAreTheSameForTheSameLineAndBounded() {
        func refusal(_ line: String) -> LeaseSourceError? {
            do {
                _ = try EtcdLeaseSource.watchMessage(Array(line.utf8), source: "t")
                return nil
            } catch {
                return error
            }
        }
        let failed = #"{"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader","http_status":"Service Unavailable"}}"#
        #expect(refusal(failed)?.message == #"the watch failed: "etcdserver: no leader" (gRPC code 14)"#)
        for _ in 0..<20 { #expect(refusal(failed) == refusal(failed)) }
        let huge = #"{"error":{"message":"\#(String(repeating: "x", count: 100_000))","a":1,"b":2,"c":3}}"#
        #expect((refusal(huge)?.message.utf8.count ?? .max) < 300)
        let objectType = #"{"result":{"events":[{"type":{"b":1,"a":2,"c":[1,2,3]},"kv":{"key":"YQ=="}}]}}"#
        #expect(refusal(objectType)?.message == "a watch message whose result.events[0].type is an object, not PUT or DELETE")
        #expect(refusal(#"{"result":{"events":[{"type":"PATCH","kv":{"key":"YQ=="}}]}}"#)?.message
            == "a watch message whose result.events[0].type is PATCH, not PUT or DELETE")
    }
}
