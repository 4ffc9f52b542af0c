import Foundation
import Logging
import Synchronization

/// Hands alerts to notifiers without ever making the monitor wait for one.
///
/// Each notifier gets its own bounded FIFO and its own worker task, so a dead webhook
/// delays neither the monitor loop (`enqueue` only takes a lock) nor the journal or the
/// command. A full queue drops its oldest alert, counted: during a long outage the newest
/// state of the system is what an operator needs first. A failed delivery is retried
/// `retries` more times with doubling backoff, then counted as failed. An alert queued with
/// an outbox row (`AlertOutbox`) has it settled once its delivery is over, whichever way.
public final class NotificationQueue: Sendable {
    /// Delay before retry n (1-based): `base · 2^(n-1)`, at most `cap`.
    public struct Backoff: Sendable, Equatable {
        public var base: Duration
        public var cap: Duration

        public init(base: Duration, cap: Duration) {
            self.base = base
            self.cap = cap
        }

        /// 1 s, 2 s, 4 s … up to 30 s: long enough for a receiver's restart, short enough
        /// that an alert is not stale when it arrives.
        public static let standard = Backoff(base: .seconds(1), cap: .seconds(30))

        public func delay(beforeRetry retry: Int) -> Duration {
            var delay = base
            for _ in 1..<max(retry, 1) {
                delay *= 2
                if delay >= cap { return cap }
            }
            return min(delay, cap)
        }
    }

    private let lanes: [NotificationLane]
    private let workers: [Task<Void, Never>]
    private let settle: @Sendable (Int64, Bool) -> Void

    /// Starts one worker per notifier. `capacity` is `alerts.queue_size` (alerts waiting per
    /// notifier), `retries` is `alerts.retries` (further attempts after the first). `settle`
    /// gets an outbox row and whether it was delivered, once its delivery is over.
    public init(
        notifiers: [any Notifier], capacity: Int, retries: Int, backoff: Backoff = .standard, logger: Logger,
        settle: @escaping @Sendable (Int64, Bool) -> Void = { _, _ in }
    ) {
        let lanes = notifiers.map { NotificationLane(notifier: $0, capacity: max(capacity, 1), settle: settle) }
        let retries = max(retries, 0)
        self.lanes = lanes
        self.settle = settle
        workers = lanes.map { lane in
            Task { await Self.work(lane, retries: retries, backoff: backoff, logger: logger, settle: settle) }
        }
    }

    deinit { shutdown() }

    /// Queues `alert` for every notifier and returns at once: no await, no I/O.
    public func enqueue(_ alert: Alert) {
        for lane in lanes { lane.push(alert) }
    }

    /// Queues `alert` for the named receivers and for the notifiers that record every alert
    /// (the journal); returns at once.
    public func enqueue(_ alert: Alert, to receivers: [String]) {
        enqueue(alert, to: receivers, tickets: [:], journal: true)
    }

    /// Queues `alert` for the named receivers, each with its outbox row from `tickets`, and
    /// (when `journal`) for the notifiers that record every alert. A row whose receiver is gone
    /// (the config changed before a restart replayed it) is settled at once, undelivered.
    public func enqueue(_ alert: Alert, to receivers: [String], tickets: [String: Int64], journal: Bool) {
        for lane in lanes {
            if receivers.contains(lane.notifier.name) {
                lane.push(alert, ticket: tickets[lane.notifier.name])
            } else if lane.notifier.receivesEveryAlert && journal {
                lane.push(alert, ticket: nil)
            }
        }
        let names = Set(lanes.map(\.notifier.name))
        for (receiver, ticket) in tickets where !names.contains(receiver) { settle(ticket, false) }
    }

    /// Counters per notifier, in the order the notifiers were given.
    public func stats() -> [MonitorSnapshot.NotifierSample] { lanes.map { $0.sample() } }

    /// Waits until every queue is empty and no delivery is in flight, or `timeout` passes.
    /// True when everything was handed over (delivered or given up on) in time.
    ///
    /// For shutdown (deliver what is queued, but do not hang the stop) and for
    /// `tradectl monitor test-alert` (report the outcome before exiting).
    @discardableResult
    public func drain(timeout: Duration) async -> Bool {
        let lanes = self.lanes
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for lane in lanes { await lane.waitUntilIdle() }
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Stops the workers; queued alerts stay undelivered. Call `drain` first to deliver them.
    public func shutdown() {
        for worker in workers { worker.cancel() }
    }

    private static func work(
        _ lane: NotificationLane, retries: Int, backoff: Backoff, logger: Logger,
        settle: @Sendable (Int64, Bool) -> Void
    ) async {
        for await _ in lane.wakeups {
            while let queued = lane.take() {
                let delivered = await deliver(
                    queued.alert, to: lane.notifier, retries: retries, backoff: backoff, logger: logger)
                // Stopped mid-delivery (shutdown): the row stays for the next start to deliver.
                if let ticket = queued.ticket, delivered || !Task.isCancelled {
                    if delivered {
                        CrashPoint.hit(
                            "monitor: alert \(queued.alert.key) delivered to \(lane.notifier.name), outbox row not yet removed"
                        )
                    }
                    settle(ticket, delivered)
                }
                lane.finish(delivered: delivered)
            }
        }
    }

    /// One alert, up to `retries + 1` attempts. False when every attempt failed or the
    /// worker was stopped.
    private static func deliver(
        _ alert: Alert, to notifier: any Notifier, retries: Int, backoff: Backoff, logger: Logger
    ) async -> Bool {
        var metadata: Logger.Metadata = ["notifier": "\(notifier.name)", "alert.key": "\(alert.key)"]
        for attempt in 0...retries {
            if attempt > 0 {
                do { try await Task.sleep(for: backoff.delay(beforeRetry: attempt)) } catch { return false }
            }
            do {
                try await notifier.deliver(alert)
                return true
            } catch {
                if Task.isCancelled { return false }
                metadata["error"] = "\(safeDescription(error))"
                metadata["attempt"] = "\(attempt + 1)"
                logger.debug("alert delivery attempt failed", metadata: metadata)
            }
        }
        logger.warning("alert delivery failed, giving up", metadata: metadata)
        return false
    }

    /// Our notifiers throw `NotifierError`, worded to hide their target; any other error
    /// (a notifier added later) may quote a URL, so only its type is logged.
    static func safeDescription(_ error: any Error) -> String {
        if let error = error as? NotifierError { return error.description }
        return "\(type(of: error))"
    }
}

/// One notifier's queue and counters, shared by `enqueue` (any thread) and its worker.
final class NotificationLane: Sendable {
    let notifier: any Notifier
    /// One element buffered at most: a wake-up means "look at the queue", not "one alert".
    let wakeups: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation
    private let capacity: Int
    private let settle: @Sendable (Int64, Bool) -> Void
    private let state = Mutex(State())

    private struct State {
        var queue = AlertFIFO()
        var busy = false
        var counts = (sent: 0, failed: 0, dropped: 0)
        var idleWaiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    init(notifier: any Notifier, capacity: Int, settle: @escaping @Sendable (Int64, Bool) -> Void = { _, _ in }) {
        self.notifier = notifier
        self.capacity = capacity
        self.settle = settle
        (wakeups, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    deinit { signal.finish() }

    func push(_ alert: Alert, ticket: Int64? = nil) {
        let dropped = state.withLock { state in
            var dropped: QueuedAlert?
            if state.queue.count >= capacity {
                dropped = state.queue.removeFirst()
                state.counts.dropped += 1
            }
            state.queue.append(QueuedAlert(alert: alert, ticket: ticket))
            return dropped
        }
        if let ticket = dropped?.ticket { settle(ticket, false) }
        signal.yield()
    }

    /// The oldest alert, marking a delivery in flight; nil when the queue is empty.
    func take() -> QueuedAlert? {
        state.withLock { state in
            guard let alert = state.queue.removeFirst() else { return nil }
            state.busy = true
            return alert
        }
    }

    func finish(delivered: Bool) {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { state in
            if delivered { state.counts.sent += 1 } else { state.counts.failed += 1 }
            state.busy = false
            guard state.queue.count == 0 else { return [] }
            defer { state.idleWaiters = [:] }
            return Array(state.idleWaiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    func sample() -> MonitorSnapshot.NotifierSample {
        state.withLock { state in
            MonitorSnapshot.NotifierSample(
                name: notifier.name, sent: state.counts.sent, failed: state.counts.failed,
                dropped: state.counts.dropped, queued: state.queue.count)
        }
    }

    /// Returns when the queue is empty with nothing in flight, or when the task is cancelled.
    func waitUntilIdle() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state in
                    if Task.isCancelled || (state.queue.count == 0 && !state.busy) { return true }
                    state.idleWaiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.idleWaiters.removeValue(forKey: id) }?.resume()
        }
    }
}

/// An alert in a lane, with its outbox row when it has one.
struct QueuedAlert: Sendable {
    var alert: Alert
    var ticket: Int64?
}

/// A FIFO with O(1) amortised removal at the front (Array.removeFirst is O(n), and a
/// queue may hold `queue_size` = 100 000 alerts during an outage).
struct AlertFIFO {
    private var storage: [QueuedAlert] = []
    private var head = 0

    var count: Int { storage.count - head }

    mutating func append(_ alert: QueuedAlert) { storage.append(alert) }

    @discardableResult
    mutating func removeFirst() -> QueuedAlert? {
        guard head < storage.count else { return nil }
        let alert = storage[head]
        head += 1
        if head >= 64 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return alert
    }
}
