/// The size cap of one kind of input file, named in the refusal.
///
/// Every input is read whole before it is parsed, and a parser's tree costs several times the
/// text, so an input without a cap is a way to make the tool (or the 128 Mi agent of
/// deploy/daemonset.yaml) run out of memory. The caps are generous for real clusters and bounded.
public struct InputFileLimit: Sendable, Hashable {
    /// The largest accepted size in bytes.
    public var bytes: Int
    /// What the file is, in the plural, as the refusal says it: `over the 1 MiB cap for net-conf files`.
    public var name: String

    public init(bytes: Int, name: String) {
        self.bytes = bytes
        self.name = name
    }

    /// flannel's net-conf.json is a few hundred bytes; the kube-flannel-cfg ConfigMap printed
    /// with `-o yaml` a few kilobytes. 1 MiB is Kubernetes' own limit for a ConfigMap, so no
    /// ConfigMap the API server accepts is refused. It also bounds YAML parsing of etcd's
    /// `<prefix>/config` value.
    public static let netConf = InputFileLimit(bytes: 1 << 20, name: "net-conf files")

    /// `etcdctl get … -w json` is ~300 bytes a lease (15 MB at 50,000 leases); `kubectl get nodes
    /// -o json` is 5–12 KB a node with its image list, ~60 MB at Kubernetes' 5,000-node limit.
    /// 64 MiB takes both; the file lease source of `reconcile` re-reads it, so it must stay well
    /// under the agent's 128 Mi limit once parsed (the JSON tree is about twice the text).
    public static let leases = InputFileLimit(bytes: 64 << 20, name: "leases")

    /// flanneld's `subnet.env` is six lines, ~150 bytes; 64 KiB is generous and bounded.
    public static let subnetEnv = InputFileLimit(bytes: 64 << 10, name: "subnet.env files")

    /// A snapshot is ~700 bytes a peer and family: 30–40 MB at 50,000 IPv4 peers, 72 MB at
    /// 50,000 dual-stack ones (measured, issue 14). It is mapped and its pages are given back as
    /// they are read, so the cap bounds address space more than memory; 160 MiB is about twice
    /// the largest snapshot a 50,000-node dual-stack cluster gives.
    public static let snapshot = InputFileLimit(bytes: 160 << 20, name: "snapshots")

    /// A plan from an empty node at 50,000 peers has 150,000 changes of ~400 bytes per family:
    /// ~60 MB, ~120 MB dual-stack. Plans are read only by `apply --plan`, a one-shot command, so
    /// 256 MiB leaves that twice over.
    public static let plan = InputFileLimit(bytes: 256 << 20, name: "plan files")

    /// A kubeconfig is a few KB a cluster with its certificates inlined (kubeadm's admin.conf is
    /// ~5.6 KB); 1 MiB holds well over a hundred clusters and bounds the YAML parse of a file the
    /// agent reads at start.
    public static let kubeconfig = InputFileLimit(bytes: 1 << 20, name: "kubeconfig files")

    /// A PEM CA bundle, certificate chain or private key: a few KB; a distribution's whole CA
    /// bundle is ~200 KB. 1 MiB takes any of them.
    public static let tlsFiles = InputFileLimit(bytes: 1 << 20, name: "TLS files")

    /// A bearer token file (a service-account JWT, a kubeconfig's `tokenFile`) is 1–2 KB; it is
    /// re-read whenever it rotates, so 64 KiB bounds each read.
    public static let bearerToken = InputFileLimit(bytes: 64 << 10, name: "bearer token files")

    /// `1 MiB`, `64 MiB`, or the byte count when it is not a whole number of MiB.
    public var text: String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }
}
