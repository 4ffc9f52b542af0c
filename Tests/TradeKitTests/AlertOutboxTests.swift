import Foundation
import Logging
import Testing

@testable import TradeKit

/// The alert outbox (AlertOutbox.swift): what a cycle decided is saved with its state and
/// removed only once the queue settled each receiver's delivery.
@Suite("Alert outbox")
struct AlertOutboxTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    static let fast = NotificationQueue.Backoff(base: .milliseconds(1), cap: .milliseconds(4))

    @Test("state and outbox are saved together; rows come back in order and go once removed")
    func savedWithState() throws {
        let dir = TempDir()
        let store = try StateStore(path: "\(dir.path)/state.db")
        var state = MonitorState()
        state.journalCursor = "c1"
        var first = sampleAlert()
        first.key = "unit/engine"
        var second = sampleAlert()
        second.key = "http/dashboard"
        let tickets = try store.saveMonitorState(
            state, outbox: [(first, ["slack", "pager"]), (second, []), (second, ["slack"])])
        #expect(tickets.count == 3 && tickets[0].count == 2 && tickets[1].isEmpty && tickets[2].count == 1)
        #expect(try store.monitorState().journalCursor == "c1")
        let rows = try store.outbox()
        #expect(rows.map(\.receiver) == ["slack", "pager", "slack"])
        #expect(rows.map(\.alert) == [first, first, second])
        try store.removeFromOutbox(try #require(tickets[0]["slack"]))
        #expect(try store.outbox().map(\.id) == [tickets[0]["pager"], tickets[2]["slack"]].compactMap { $0 })
    }

    @Test("the queue settles a row when delivered, when given up on, and when its receiver is gone")
    func settles() async {
        let settled = Recorded<String>()
        let working = ScriptedNotifier(failures: 0)
        let queue = NotificationQueue(
            notifiers: [working], capacity: 10, retries: 0, backoff: Self.fast, logger: Self.logger
        ) { id, delivered in settled.append("\(id):\(delivered)") }
        queue.enqueue(
            sampleAlert(), to: ["scripted", "gone"], tickets: ["scripted": 1, "gone": 2], journal: false)
        #expect(await queue.drain(timeout: .seconds(1800)))
        #expect(Set(settled.values) == ["1:true", "2:false"])

        let failing = ScriptedNotifier(failures: 5)
        let settledFailed = Recorded<String>()
        let second = NotificationQueue(
            notifiers: [failing], capacity: 10, retries: 1, backoff: Self.fast, logger: Self.logger
        ) { id, delivered in settledFailed.append("\(id):\(delivered)") }
        let secondSink: any AlertSink = second
        await secondSink.enqueue(sampleAlert(), to: ["scripted"], tickets: ["scripted": 7], journal: false)
        #expect(await second.drain(timeout: .seconds(1800)))
        #expect(settledFailed.values == ["7:false"])
    }

    @Test("a full lane drops its oldest alert and settles that alert's row")
    func droppedIsSettled() {
        let settled = Recorded<String>()
        let lane = NotificationLane(notifier: ScriptedNotifier(failures: 0), capacity: 1) { id, delivered in
            settled.append("\(id):\(delivered)")
        }
        lane.push(sampleAlert(), ticket: 1)
        lane.push(sampleAlert(), ticket: 2)
        #expect(settled.values == ["1:false"])
        #expect(lane.take()?.ticket == 2)
    }
}
