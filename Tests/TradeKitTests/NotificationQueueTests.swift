import Foundation
import Logging
import Testing

@testable import TradeKit

/// The queue between the monitor and its notifiers: order, retries, bounds, independence.
/// Waits are on events (a delivery arrived, the queue drained), never on the wall clock.
@Suite("Notification queue")
struct NotificationQueueTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    static let fast = NotificationQueue.Backoff(base: .milliseconds(1), cap: .milliseconds(4))
    /// Only a guard against a hang: `drain` returns as soon as the queue is idle. It is long
    /// because the parallel suite's synchronous CLI tests can hold both of a 2-core machine's
    /// cooperative threads for minutes; the workers and this timer then resume together and
    /// a short timer would win the race (seen: 300 s starved, a 30 s and a 60 s guard lost).
    static let hangGuard = Duration.seconds(1800)

    static func alert(_ number: Int) -> Alert {
        var alert = sampleAlert()
        alert.key = "a\(number)"
        return alert
    }

    @Test("backoff doubles from the base up to the cap")
    func backoff() {
        let backoff = NotificationQueue.Backoff.standard
        #expect((1...7).map { backoff.delay(beforeRetry: $0) } == [1, 2, 4, 8, 16, 30, 30].map { .seconds($0) })
    }

    @Test("failures then success: retried, counted once as sent")
    func retriesThenSuccess() async {
        let notifier = ScriptedNotifier(failures: 2)
        let queue = NotificationQueue(
            notifiers: [notifier], capacity: 10, retries: 2, backoff: Self.fast, logger: Self.logger)
        queue.enqueue(Self.alert(1))
        #expect(await queue.drain(timeout: Self.hangGuard))
        #expect(notifier.attempts.values.count == 3)
        #expect(queue.stats() == [.init(name: "scripted", sent: 1, failed: 0, dropped: 0, queued: 0)])
    }

    @Test("alerts go out in the order they came")
    func fifo() async {
        let notifier = ScriptedNotifier(failures: 0)
        let queue = NotificationQueue(
            notifiers: [notifier], capacity: 100, retries: 0, backoff: Self.fast, logger: Self.logger)
        for number in 1...20 { queue.enqueue(Self.alert(number)) }
        #expect(await queue.drain(timeout: Self.hangGuard))
        #expect(notifier.attempts.values == (1...20).map { "a\($0)" })
    }

    @Test("dead webhook: retried, counted failed; enqueue returns before any delivery")
    func deadReceiver() async throws {
        let url = URL(string: "http://127.0.0.1:\(try Sockets.closedPort())/hook")!
        let webhook = WebhookNotifier(url: url, format: .generic, timeout: .seconds(5))
        let counting = CountingNotifier(webhook)
        let queue = NotificationQueue(
            notifiers: [counting], capacity: 10, retries: 2, backoff: Self.fast, logger: Self.logger)
        for number in 1...3 { queue.enqueue(Self.alert(number)) }
        // Nothing can have been delivered yet: the worker retries a refused connection
        // with backoff, so at least two alerts are still waiting when enqueue returns.
        #expect(queue.stats()[0].queued >= 2)
        #expect(await queue.drain(timeout: Self.hangGuard))
        #expect(queue.stats() == [.init(name: "webhook", sent: 0, failed: 3, dropped: 0, queued: 0)])
        #expect(counting.attempts.values.count == 9)
    }

    @Test("a full queue drops its oldest alert and counts it")
    func dropsOldest() async {
        let gate = GateNotifier()
        let queue = NotificationQueue(
            notifiers: [gate], capacity: 3, retries: 0, backoff: Self.fast, logger: Self.logger)
        queue.enqueue(Self.alert(1))
        await gate.waitForArrivals(1)  // a1 is in flight, the queue is empty
        for number in 2...6 { queue.enqueue(Self.alert(number)) }
        #expect(queue.stats() == [.init(name: "gate", sent: 0, failed: 0, dropped: 2, queued: 3)])
        gate.open()
        #expect(await queue.drain(timeout: Self.hangGuard))
        #expect(gate.arrivals.values == ["a1", "a4", "a5", "a6"])
        #expect(queue.stats() == [.init(name: "gate", sent: 4, failed: 0, dropped: 2, queued: 0)])
    }

    @Test("a stuck notifier delays neither enqueue nor the other notifiers; drain gives up at its timeout")
    func independence() async {
        let gate = GateNotifier()
        let other = ScriptedNotifier(failures: 0)
        let queue = NotificationQueue(
            notifiers: [gate, other], capacity: 100, retries: 0, backoff: Self.fast, logger: Self.logger)
        for number in 1...50 { queue.enqueue(Self.alert(number)) }
        await other.waitForAttempts(50)
        #expect(await queue.drain(timeout: .milliseconds(50)) == false)
        #expect(queue.stats().map(\.sent) == [0, 50])
        gate.open()
        #expect(await queue.drain(timeout: Self.hangGuard))
        #expect(queue.stats().map(\.sent) == [50, 50])
    }

    @Test("shutdown stops the workers; a drain afterwards does not hang")
    func shutdown() async {
        let gate = GateNotifier()
        let queue = NotificationQueue(
            notifiers: [gate], capacity: 10, retries: 0, backoff: Self.fast, logger: Self.logger)
        queue.enqueue(Self.alert(1))
        await gate.waitForArrivals(1)
        queue.shutdown()
        #expect(await queue.drain(timeout: Self.hangGuard))
        #expect(queue.stats()[0].failed == 1)
    }
}

/// Fails its first `failures` attempts, then delivers; records each attempt's alert key.
final class ScriptedNotifier: Notifier, @unchecked Sendable {
    let name = "scripted"
    let attempts = Recorded<String>()
    private let lock = NSLock()
    private var failures: Int
    private var waiters: [(Int, CheckedContinuation<Void, Never>)] = []

    init(failures: Int) { self.failures = failures }

    func deliver(_ alert: Alert) async throws {
        attempts.append(alert.key)
        let (fail, ready): (Bool, [CheckedContinuation<Void, Never>]) = lock.withLock {
            let count = attempts.values.count
            let ready = waiters.filter { $0.0 <= count }.map(\.1)
            waiters.removeAll { $0.0 <= count }
            defer { failures -= 1 }
            return (failures > 0, ready)
        }
        for continuation in ready { continuation.resume() }
        if fail { throw NotifierError(notifier: name, code: .transport, detail: "scripted failure") }
    }

    func waitForAttempts(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let now = lock.withLock {
                if attempts.values.count >= count { return true }
                waiters.append((count, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }
}

/// Holds every delivery until `open()`; records arrivals.
final class GateNotifier: Notifier, @unchecked Sendable {
    let name = "gate"
    let arrivals = Recorded<String>()
    private let lock = NSLock()
    private var isOpen = false
    private var held: [UUID: CheckedContinuation<Void, Never>] = [:]
    private var arrivalWaiters: [(Int, CheckedContinuation<Void, Never>)] = []

    func deliver(_ alert: Alert) async throws {
        arrivals.append(alert.key)
        let ready: [CheckedContinuation<Void, Never>] = lock.withLock {
            let count = arrivals.values.count
            defer { arrivalWaiters.removeAll { $0.0 <= count } }
            return arrivalWaiters.filter { $0.0 <= count }.map(\.1)
        }
        for continuation in ready { continuation.resume() }
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let pass = lock.withLock {
                    if isOpen || Task.isCancelled { return true }
                    held[id] = continuation
                    return false
                }
                if pass { continuation.resume() }
            }
        } onCancel: {
            lock.withLock { held.removeValue(forKey: id) }?.resume()
        }
        try Task.checkCancellation()
    }

    func open() {
        let released = lock.withLock {
            isOpen = true
            defer { held = [:] }
            return held.values
        }
        for continuation in released { continuation.resume() }
    }

    func waitForArrivals(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let now = lock.withLock {
                if arrivals.values.count >= count { return true }
                arrivalWaiters.append((count, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }
}

/// Counts the attempts of a real notifier.
struct CountingNotifier: Notifier {
    let wrapped: any Notifier
    let attempts = Recorded<String>()
    var name: String { wrapped.name }

    init(_ wrapped: any Notifier) { self.wrapped = wrapped }

    func deliver(_ alert: Alert) async throws {
        attempts.append(alert.key)
        try await wrapped.deliver(alert)
    }
}
