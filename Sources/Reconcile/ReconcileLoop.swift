import Foundation
import Logging
import Netlink

/// The agent's two threads: one reads kernel notifications and posts `.event`/`.resync`, the
/// other runs passes when posted to or when the interval elapses. Both are plain threads
/// because netlink sockets block; the lease source runs as a Swift task and posts `.leases`.
public struct ReconcileLoop: Sendable {
    var pass: ReconcilePass
    var trigger: ReconcileTrigger
    var filter: ReconcileEventFilter
    var metrics: ReconcileMetrics
    var logger: Logger
    var interval: TimeInterval
    var debounce: TimeInterval
    /// The notification socket's receive buffer; nil for the large default.
    var eventBuffer: Int32? = nil
    /// Where notifications are recorded per object, for targeted passes (the pass's own).
    var ledger: TargetedDriftLedger? = nil

    public init(
        pass: ReconcilePass, trigger: ReconcileTrigger, filter: ReconcileEventFilter, metrics: ReconcileMetrics, logger: Logger,
        interval: TimeInterval, debounce: TimeInterval, eventBuffer: Int32? = nil, ledger: TargetedDriftLedger? = nil
    ) {
        self.pass = pass
        self.trigger = trigger
        self.filter = filter
        self.metrics = metrics
        self.logger = logger
        self.interval = interval
        self.debounce = debounce
        self.eventBuffer = eventBuffer
        self.ledger = ledger
    }

    /// Runs passes until `trigger.stop()`; returns after the pass in progress ends.
    public func runPasses() {
        var deadline = Date(timeIntervalSinceNow: interval)
        var retry: TimeInterval = 0
        trigger.post(.start)
        while let reasons = trigger.next(deadline: deadline, debounce: debounce) {
            _ = pass.run(reasons: reasons)
            // Conflicts are usually dying kernel entries: look again soon, backing off to the interval.
            retry = pass.conflicts.isEmpty ? 0 : min(max(retry * 2, 0.02), interval)
            deadline = Date(timeIntervalSinceNow: retry > 0 ? retry : interval)
        }
        pass.close()
    }

    /// Reads notifications until `trigger.stop()`. A socket that fails is reopened after a
    /// second (and a resync posted, since notifications may have been missed meanwhile).
    public func readEvents() {
        while !trigger.isStopped {
            let socket: NetlinkEventSocket
            do {
                // A stop is noticed within half a second. Each idle wake-up is a thread switch and a
                // syscall: at 200 ms they were a third of an idle agent's CPU (15 of ~50 ms a minute
                // at 5,000 peers, the rest the periodic full passes).
                socket = try NetlinkEventSocket(pollMilliseconds: 500, receiveBuffer: eventBuffer)
            } catch {
                logger.error("cannot subscribe to kernel notifications; relying on the interval: \(error)")
                Thread.sleep(forTimeInterval: 1)
                continue
            }
            defer { socket.close() }
            while !trigger.isStopped {
                let batch: NetlinkEventBatch
                do {
                    batch = try socket.next()
                } catch {
                    logger.error("kernel notifications failed; resubscribing: \(error)")
                    trigger.post(.resync)
                    Thread.sleep(forTimeInterval: 1)
                    break
                }
                switch batch {
                case .idle:
                    continue
                case .overflow:
                    logger.warning("kernel notifications overflowed (ENOBUFS); full resync")
                    trigger.post(.resync)
                case .events(let messages):
                    // Recorded before `.event` is posted: the pass that wakes finds them.
                    var relevant = 0
                    let tracing = logger.logLevel <= .trace
                    for message in messages {
                        let isRelevant = filter.isRelevant(message)
                        if isRelevant { relevant += 1 }
                        ledger?.record(message, relevant: isRelevant)
                        if tracing {
                            logger.trace("notification", metadata: [
                                "type": "\(message.type)", "port": "\(message.portID)", "relevant": "\(isRelevant)",
                            ])
                        }
                    }
                    if relevant > 0 {
                        for _ in 0..<relevant { metrics.recordDrift(source: "event") }
                        trigger.post(.event)
                    }
                }
            }
        }
    }

    /// Starts `body` on a new thread and resumes when it returns.
    public static func onThread(name: String, _ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread {
                body()
                continuation.resume()
            }
            thread.name = name
            thread.start()
        }
    }
}
