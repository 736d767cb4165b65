import NetplanCLI

#if canImport(Glibc)
import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
// Everything but `reconcile` runs here, on the main thread; `reconcile` needs concurrency.
if let status = CLI.mainSynchronously(arguments: arguments) { exit(status) }
exit(await CLI.main(arguments: arguments))
