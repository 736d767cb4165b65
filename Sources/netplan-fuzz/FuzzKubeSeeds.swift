import Foundation

/// Seeds for the Kubernetes API, kubeconfig and etcd watch targets, generated here (not read
/// from Tests) in the shapes the real servers send: a node as kube-apiserver serialises it
/// (labels, flannel's annotations, kubelet's managed fields with their escaped `k:{…}` keys,
/// status with conditions, addresses, images and node info), watch lines of every type, list
/// pages, kubeadm-style kubeconfigs, and etcd v3 JSON-gateway watch messages.
enum FuzzKubeSeeds {
    // MARK: Kubernetes API

    /// One node as `kubectl get node -o json` prints it (compact, as the API server sends it).
    static func node(
        _ index: Int, resourceVersion: Int, prefix: String = "flannel.alpha.coreos.com/", heartbeat: String = "2026-11-30T16:34:55Z",
        vtepMAC: String? = nil, dualStack: Bool = false, ipv6Only: Bool = false, subnetManager: Bool = true
    ) -> String {
        let name = "node-\(String(format: "%05d", index))"
        let mac = vtepMAC ?? String(format: "0e:00:00:%02x:%02x:01", (index >> 8) & 0xff, index & 0xff)
        let cidr6 = "fd00:10:244:\(String(index % 256, radix: 16))::/64"
        let cidr = ipv6Only ? cidr6 : "10.244.\(index % 256).0/24"
        let cidrs = dualStack && !ipv6Only ? #"["\#(cidr)","\#(cidr6)"]"# : #"["\#(cidr)"]"#
        // The IPv6 annotations flanneld writes when it runs IPv6 (v0.20.2 `subnet/kube/kube.go:352–364`);
        // an IPv6-only vxlan node has no public-ip nor backend-data.
        let mac6 = String(format: "0e:00:06:%02x:%02x:01", (index >> 8) & 0xff, index & 0xff)
        let ipv6Annotations = dualStack || ipv6Only
            ? #""\#(prefix)backend-v6-data":"{\"VNI\":1,\"VtepMAC\":\"\#(mac6)\"}","\#(prefix)public-ipv6":"fd00:192:168::\#(String(index, radix: 16))","#
            : ""
        let ipv4Annotations = ipv6Only
            ? ""
            : #""\#(prefix)backend-data":"{\"VNI\":1,\"VtepMAC\":\"\#(mac)\"}","\#(prefix)public-ip":"192.168.\#(index >> 8 & 0xff).\#(index & 0xff)","#
        let condition = { (type: String, status: String, reason: String) in
            #"{"type":"\#(type)","status":"\#(status)","lastHeartbeatTime":"\#(heartbeat)","lastTransitionTime":"2026-10-31T16:34:57Z","reason":"\#(reason)","message":"kubelet has \#(reason)"}"#
        }
        let images = (0..<6).map { image in
            #"{"names":["registry.k8s.io/kube-proxy@sha256:\#(String(repeating: String(format: "%02x", (image * 37 + index) & 0xff), count: 32))","registry.k8s.io/kube-proxy:v1.29.\#(image)"],"sizeBytes":\#(28_000_000 + image * 1_234_567)}"#
        }.joined(separator: ",")
        return #"""
        {"kind":"Node","apiVersion":"v1","metadata":{"name":"\#(name)","uid":"fdedb3c2-0851-582b-95fa-\#(String(format: "%012x", index))","resourceVersion":"\#(resourceVersion)","creationTimestamp":"2026-10-31T16:34:57Z","labels":{"beta.kubernetes.io/arch":"amd64","beta.kubernetes.io/os":"linux","kubernetes.io/arch":"amd64","kubernetes.io/hostname":"\#(name)","kubernetes.io/os":"linux"},"annotations":{\#(ipv4Annotations)\#(ipv6Annotations)"\#(prefix)backend-type":"vxlan","\#(prefix)kube-subnet-manager":"\#(subnetManager)","kubeadm.alpha.kubernetes.io/cri-socket":"unix:///var/run/containerd/containerd.sock","node.alpha.kubernetes.io/ttl":"0","volumes.kubernetes.io/controller-managed-attach-detach":"true"},"managedFields":[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"2026-10-31T16:34:57Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:podCIDR":{},"f:podCIDRs":{".":{},"v:\"\#(cidr)\"":{}}}}},{"manager":"flanneld","operation":"Update","apiVersion":"v1","time":"2026-10-31T16:36:32Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:annotations":{"f:\#(prefix)backend-data":{},"f:\#(prefix)public-ip":{}}},"f:status":{"f:conditions":{"k:{\"type\":\"NetworkUnavailable\"}":{".":{},"f:lastHeartbeatTime":{},"f:reason":{}}}}},"subresource":"status"},{"manager":"kubelet","operation":"Update","apiVersion":"v1","time":"\#(heartbeat)","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:conditions":{"k:{\"type\":\"Ready\"}":{"f:lastHeartbeatTime":{}}},"f:images":{}}},"subresource":"status"}]},"spec":{"podCIDR":"\#(cidr)","podCIDRs":\#(cidrs),"taints":[{"key":"node-role.kubernetes.io/control-plane","effect":"NoSchedule"}]},"status":{"capacity":{"cpu":"4","ephemeral-storage":"61202244Ki","memory":"8148396Ki","pods":"110"},"conditions":[\#(condition("NetworkUnavailable", "False", "FlannelIsUp")),\#(condition("MemoryPressure", "False", "KubeletHasSufficientMemory")),\#(condition("Ready", "True", "KubeletReady"))],"addresses":[{"type":"InternalIP","address":"192.168.\#(index >> 8 & 0xff).\#(index & 0xff)"},{"type":"Hostname","address":"\#(name)"}],"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}},"nodeInfo":{"machineID":"8d3c4e0f\#(String(format: "%024x", index))","bootID":"3e1c-\#(index)","kernelVersion":"6.8.0-45-generic","osImage":"Ubuntu 24.04.1 LTS","containerRuntimeVersion":"containerd://1.7.12","kubeletVersion":"v1.29.3","kubeProxyVersion":"v1.29.3","operatingSystem":"linux","architecture":"amd64"},"images":[\#(images)]}}
        """#
    }

    static let watchLines: [String] = [
        #"{"type":"ADDED","object":\#(node(1, resourceVersion: 1001))}"#,
        #"{"type":"MODIFIED","object":\#(node(2, resourceVersion: 1002, heartbeat: "2026-11-30T16:35:35Z"))}"#,
        #"{"type":"MODIFIED","object":\#(node(3, resourceVersion: 1003, vtepMAC: "0e:ff:00:00:00:99", dualStack: true))}"#,
        #"{"type":"DELETED","object":\#(node(4, resourceVersion: 1004))}"#,
        #"{"type":"ADDED","object":\#(node(6, resourceVersion: 1006, ipv6Only: true))}"#,
        #"{"type":"MODIFIED","object":\#(node(7, resourceVersion: 1007, dualStack: true))}"#,
        #"{"type":"ADDED","object":\#(node(5, resourceVersion: 1005, prefix: "example.com/cni-", subnetManager: false))}"#,
        #"{"type":"BOOKMARK","object":{"kind":"Node","apiVersion":"v1","metadata":{"resourceVersion":"12746","creationTimestamp":null,"annotations":{"k8s.io/initial-events-end":"true"}},"spec":{},"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":0}},"nodeInfo":{"machineID":"","bootID":"","kernelVersion":"","osImage":"","containerRuntimeVersion":"","kubeletVersion":"","kubeProxyVersion":"","operatingSystem":"","architecture":""}}}}"#,
        #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1001 (12746)","reason":"Expired","code":410}}"#,
        #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"The resourceVersion for the provided watch is too old.","reason":"Gone","code":410}}"#,
        #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"nodes is forbidden: User \"system:serviceaccount:kube-system:flannel\" cannot watch resource \"nodes\" in API group \"\" at the cluster scope","reason":"Forbidden","details":{"kind":"nodes"},"code":403}"#,
        #"{"type":"MODIFIED","object":{"kind":"Node","metadata":{"name":"n\u00e9\ud83d\ude00","resourceVersion":"7","annotations":{"flannel.alpha.coreos.com/public-ip":"10.0.0.\u0031"}},"spec":{"podCIDR":"10.244.9.0/24"}}}"#,
    ]

    static let listPages: [String] = [
        #"{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"12746","continue":"eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTI3NDYsInN0YXJ0Ijoibm9kZS0wMDAwMlx1MDAwMCJ9","remainingItemCount":3},"items":[\#(node(1, resourceVersion: 1001)),\#(node(2, resourceVersion: 1002))]}"#,
        #"{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"12746"},"items":[\#(node(3, resourceVersion: 1003, dualStack: true)),\#(node(4, resourceVersion: 1004, subnetManager: false)),\#(node(300, resourceVersion: 1300))]}"#,
        #"{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"12750"},"items":[\#(node(8, resourceVersion: 1008, dualStack: true)),\#(node(9, resourceVersion: 1009, ipv6Only: true))]}"#,
        #"{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"5"},"items":[]}"#,
        #"{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"9","continue":""},"items":null}"#,
    ]

    // MARK: kubeconfig

    static let caData =
        "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJqakNDQVRXZ0F3SUJBZ0lVUlhNS01hSkcvTEs4dGlUK2RFNnMvQ1lrWWI0d0NnWUlLb1pJemowRUF3SXcKSERFYU1CZ0dBMVVFQXd3UmJtVjBjR3hoYmkxbWRYcDZMWE5sWldRd0lCY05Nall4TVRNd01UWTBNVEl3V2hnUApNakV5TmpFeE1EWXhOalF4TWpCYU1Cd3hHakFZQmdOVkJBTU1FVzVsZEhCc1lXNHRablY2ZWkxelpXVmtNRmt3CkV3WUhLb1pJemowQ0FRWUlLb1pJemowREFRY0RRZ0FFUWFXMnV2QlJ4K0FHU0NjMnF5Y3pseHlqT1YwT0RyclIKYzV0NWhHS3pab2hGV1ZuR2o1K2FidzMrd3JjOW51RGtpTGJIZjhwTkhtUExsakFVSHdGYUY2TlRNRkV3SFFZRApWUjBPQkJZRUZEM1cvdlpXRUxXWmxFSzhkTjIxWFJVcG8zRzhNQjhHQTFVZEl3UVlNQmFBRkQzVy92WldFTFdaCmxFSzhkTjIxWFJVcG8zRzhNQThHQTFVZEV3RUIvd1FGTUFNQkFmOHdDZ1lJS29aSXpqMEVBd0lEUndBd1JBSWcKSzZtU1dQUmxlQ05zNHZMd3JDRnJqMDhUWnltdklpdVJ1TytpY2Z6TUJjd0NJRTY0amhkckNhL2QvdlFHNUE0Vwo3VlN4VHNoVFZ3R002Z0oxREZYRGlxNWEKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="
    /// The key of `caData`'s certificate (a throwaway P-256 key made for these seeds), so the
    /// seed with a client certificate passes the key-matches check.
    static let keyData =
        "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JR0hBZ0VBTUJNR0J5cUdTTTQ5QWdFR0NDcUdTTTQ5QXdFSEJHMHdhd0lCQVFRZ2M5VWtXMDBTcmtQS1lEYUwKY0JzYmo1YUE0Qld0K3dWbmV1R2VTbjhoRjkyaFJBTkNBQVJCcGJhNjhGSEg0QVpJSnphckp6T1hIS001WFE0Twp1dEZ6bTNtRVlyTm1pRVZaV2NhUG41cHZEZjdDdHoyZTRPU0l0c2QveWswZVk4dVdNQlFmQVZvWAotLS0tLUVORCBQUklWQVRFIEtFWS0tLS0tCg=="

    /// File fields name relative paths that do not exist: they resolve under the fuzzer's own
    /// scratch directory (see `FuzzKube.kubeconfig`), never elsewhere on the machine.
    static let kubeconfigs: [String] = [
        """
        apiVersion: v1
        clusters:
        - cluster:
            certificate-authority-data: \(caData)
            server: https://192.168.0.10:6443
          name: kubernetes
        contexts:
        - context:
            cluster: kubernetes
            user: kubernetes-admin
          name: kubernetes-admin@kubernetes
        current-context: kubernetes-admin@kubernetes
        kind: Config
        preferences: {}
        users:
        - name: kubernetes-admin
          user:
            client-certificate-data: \(caData)
            client-key-data: \(keyData)
        """,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: prod
          cluster:
            server: https://[fd00::10]:6443/prefix
            certificate-authority-data: \(caData)
        users:
        - name: flannel
          user:
            token: eyJhbGciOiJSUzI1NiIsImtpZCI6Ii1fZnV6eiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6a3ViZS1zeXN0ZW06Zmxhbm5lbCJ9.c2lnbmF0dXJl
        contexts:
        - name: flannel@prod
          context: {cluster: prod, user: flannel, namespace: kube-system}
        current-context: flannel@prod
        """,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: local
          cluster:
            server: "https://kubernetes.default.svc"
            certificate-authority: missing/ca.crt
        users:
        - name: sa
          user:
            tokenFile: missing/token
        contexts:
        - name: local
          context:
            cluster: local
            user: sa
        current-context: local
        """,
        """
        {"apiVersion":"v1","kind":"Config","current-context":"c","contexts":[{"name":"c","context":{"cluster":"k","user":"u"}}],"clusters":[{"name":"k","cluster":{"server":"http://127.0.0.1:8080"}}],"users":[{"name":"u","user":{}}]}
        """,
    ]

    /// `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT`, one a line.
    static let inClusterEnvironments = ["10.96.0.1\n443", "fd00:10:96::1\n443", "[fd00::1]\n6443", "kubernetes.default.svc\n0443", "10.96.0.1\n65536"]

    // MARK: etcd

    static func etcdKV(_ subnet: String, _ value: String?, revision: Int) -> String {
        let key = Data("/coreos.com/network/subnets/\(subnet)".utf8).base64EncodedString()
        let valuePart = value.map { #","value":"\#(Data($0.utf8).base64EncodedString())""# } ?? ""
        return #"{"key":"\#(key)","create_revision":"\#(revision - 1)","mod_revision":"\#(revision)","version":"2"\#(valuePart),"lease":"7587876543210987654"}"#
    }

    static let etcdHeader = #""header":{"cluster_id":"14841639068965178418","member_id":"10276657743932975437","revision":"42","raft_term":"3"}"#

    static let etcdWatchMessages: [String] = [
        #"{"result":{\#(etcdHeader),"created":true}}"#,
        #"{"result":{\#(etcdHeader),"events":[{"kv":\#(etcdKV("10.244.1.0-24", #"{"PublicIP":"192.168.0.11","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"aa:bb:cc:dd:ee:01"}}"#, revision: 42))}]}}"#,
        #"{"result":{\#(etcdHeader),"events":[{"type":"DELETE","kv":\#(etcdKV("10.244.1.0-24", nil, revision: 43))},{"kv":\#(etcdKV("10.244.2.0-24", #"{"PublicIP":"192.168.0.12","BackendType":"host-gw"}"#, revision: 44))},{"kv":\#(etcdKV("10.244.3.0-24", "not json", revision: 45))}]}}"#,
        // Dual-stack leases: keys with flannel's `&` half (`MakeSubnetKey`), values with PublicIPv6 and BackendV6Data.
        #"{"result":{\#(etcdHeader),"events":[{"kv":\#(etcdKV("10.244.5.0-24&fd00:10:244:5::-64", #"{"PublicIP":"192.168.0.15","PublicIPv6":"fd00:192:168::15","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"aa:bb:cc:dd:ee:05"},"BackendV6Data":{"VNI":1,"VtepMAC":"aa:bb:cc:dd:06:05"}}"#, revision: 47))},{"type":"DELETE","kv":\#(etcdKV("10.244.6.0-24&fd00:10:244:6::-64", nil, revision: 48))},{"kv":\#(etcdKV("10.244.7.0-24&fd00:10:244:7::-64", #"{"PublicIP":"192.168.0.17","PublicIPv6":"fd00:192:168::17","BackendType":"host-gw"}"#, revision: 49))}]}}"#,
        #"{"result":{\#(etcdHeader),"compact_revision":"30","canceled":true}}"#,
        #"{"result":{\#(etcdHeader),"canceled":true,"cancel_reason":"mvcc: required revision has been compacted"}}"#,
        #"{"error":{"grpc_code":14,"http_code":503,"message":"etcdserver: no leader","http_status":"Service Unavailable"}}"#,
        #"{"result":{"header":{"revision":46}}}"# + "\n" + #"{"result":{\#(etcdHeader),"events":[{"type":"PUT","kv":\#(etcdKV("10.244.4.0-24", #"{"PublicIP":"192.168.0.14"}"#, revision: 46))}]}}"#,
    ]
}
