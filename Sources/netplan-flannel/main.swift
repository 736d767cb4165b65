import NetplanCLI

#if canImport(Glibc)
import Glibc
#endif

// On Linux the Swift runtime reads the command line from /proc/self/cmdline. Without /proc (a
// bare chroot; every container and systemd service has it) the list is empty, not even the
// program's name, and `apply` would print the help and exit 0 having done nothing: refuse.
guard !CommandLine.arguments.isEmpty else {
    let message = "netplan-flannel: cannot read its command line (/proc/self/cmdline): is /proc mounted?\n"
    _ = message.withCString { write(2, $0, strlen($0)) }
    exit(1)
}
let arguments = Array(CommandLine.arguments.dropFirst())
// Everything but `reconcile` runs here, on the main thread; `reconcile` needs concurrency.
if let status = CLI.mainSynchronously(arguments: arguments) { exit(status) }
exit(await CLI.main(arguments: arguments))
