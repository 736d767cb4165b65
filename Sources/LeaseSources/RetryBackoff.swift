/// Exponential back-off with jitter for a source's retries: each failure doubles the wait up to
/// `maximum`, and each wait is drawn from half to one and a half of it, so the agents of a
/// whole cluster cut off by one API server outage do not come back in the same millisecond.
struct RetryBackoff: Sendable {
    let initial: Duration
    let maximum: Duration
    private(set) var current: Duration

    init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
        current = initial
    }

    mutating func reset() { current = initial }

    /// The next wait, and the one after it doubled.
    mutating func next() -> Duration {
        let base = current
        current = min(current * 2, maximum)
        return base * Double.random(in: 0.5..<1.5)
    }

    /// Sleeps the next wait; returns early when the task is cancelled.
    mutating func sleep() async {
        try? await Task.sleep(for: next())
    }
}
