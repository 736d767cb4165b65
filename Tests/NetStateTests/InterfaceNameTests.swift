import NetState
import Testing

/// The kernel's `dev_valid_name`, byte for byte.
@Suite struct InterfaceNameTests {
    @Test(arguments: ["eth0", "flannel.1", "flannel-v6.4096", "eth0;reboot", "$(id)", "a", "123456789012345", "ens3.100"])
    func namesTheKernelTakes(name: String) {
        #expect(InterfaceName.problem(with: name) == nil)
        #expect(InterfaceName.refusal(of: name) == nil)
    }

    @Test(arguments: [
        ("", "it is empty"),
        ("1234567890123456", "16 bytes; the kernel takes at most 15"),
        (".", "\".\" is reserved"),
        ("..", "\"..\" is reserved"),
        ("eth0/1", "it contains '/'"),
        ("eth0:1", "it contains ':'"),
        ("a b", "it contains white space"),
        ("a\tb", "it contains white space"),
        ("a\nb", "it contains white space"),
        ("a\u{0}b", "it contains a NUL byte"),
        ("à", "it contains white space"),  // C3 A0: the kernel's isspace(0xA0)
        ("ééééééééé", "18 bytes; the kernel takes at most 15"),
    ])
    func namesTheKernelRefuses(name: String, reason: String) {
        #expect(InterfaceName.problem(with: name) == reason)
    }

    @Test func theRefusalShowsTheNameEscaped() {
        #expect(InterfaceName.refusal(of: "a\nb") == #""a\nb" is not a valid interface name (it contains white space)"#)
    }
}
