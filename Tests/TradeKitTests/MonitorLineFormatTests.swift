import Foundation
import Logging
import Testing

@testable import TradeKit

/// The monitor judges each journal event by its component's `log_format` before grouping,
/// counting and pattern matching.
@Suite("Monitor: levels read from the lines")
struct MonitorLineFormatTests {
    actor Sink: AlertSink {
        func enqueue(_ alert: Alert, to receivers: [String]) async {}
        func enqueue(_ alert: Alert, to receivers: [String], tickets: [String: Int64], journal: Bool) async {}
        func stats() async -> [MonitorSnapshot.NotifierSample] { [] }
    }

    @Test("python ERROR lines count per component and match priority-err patterns; a traceback once; plain not")
    func cycleCountsStatedErrors() async throws {
        let dir = TempDir()
        var (deployment, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("v6"))
        deployment.project.scope = .user
        deployment.monitor.autoRestart = false
        for index in deployment.components.indices where deployment.components[index].name == "dashboard" {
            deployment.components[index].logFormat = .plain
        }
        deployment.monitor.patterns = [
            JournalPattern(
                name: "errors", regex: nil, priority: 3, threshold: 100, window: .seconds(3600), severity: .warning)
        ]
        deployment.monitor.journalPatterns = []
        let suite = HealthSuite(
            deployment: deployment, fileSystem: RootedFileSystem(root: dir.path), environment: [:],
            services: TableServiceManager([:]))
        let cycle = MonitorCycle(
            suite: suite, sink: Sink(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            host: "h")
        let at = Date()
        func event(_ unit: String, _ message: String, pid: String = "7") -> JournalEvent {
            JournalEvent(unit: unit, priority: 6, message: message, at: at, pid: pid)
        }
        var batch = JournalFollower.Batch()
        batch.events = (0..<3).map { event("v6-trading.service", "ERROR:engine:order rejected by broker: \($0)") }
        batch.events += [
            event("v6-trading.service", "INFO:engine:error rate is 0"),
            event("v6-trading.service", "Traceback (most recent call last):"),
            event("v6-trading.service", "  File \"engine.py\", line 3, in <module>"),
            event("v6-trading.service", "ValueError: bad order"),
            event("v6-trading.service", "INFO:engine:restarting"),
            event("v6-dashboard.service", "ERROR:dashboard:plain: journald's info stands", pid: "8"),
        ]
        let snapshot = await cycle.run(journal: { batch })
        #expect(snapshot.journalErrors == ["trading": 4], "3 ERROR lines + 1 traceback")
        #expect(snapshot.patternMatches["errors"] == 4)
    }

    @Test("logging.exception: the error line and the traceback after it are one event; a later traceback is its own")
    func exceptionLine() {
        var grouper = TracebackGrouper()
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        func feed(_ message: String, _ offset: Double = 0) -> [JournalEvent] {
            let event = JournalEvent(
                unit: "v6-trading.service", priority: 6, message: message, at: at.addingTimeInterval(offset), pid: "7")
            return grouper.feed(event.classified(by: .python))
        }
        var events = feed("ERROR:engine:fill failed")
        #expect(events.isEmpty, "held until the next line of its writer")
        events += feed("Traceback (most recent call last):")
        events += feed("  File \"engine.py\", line 3, in fill")
        events += feed("ValueError: no such order")
        #expect(events.count == 1 && events.first?.isError == true)
        #expect(events.first?.message.hasPrefix("ERROR:engine:fill failed\nTraceback") == true)
        events = feed("ERROR:engine:order rejected", 10)
        events += feed("INFO:engine:loop 2", 11)
        #expect(events.map(\.isError) == [true, false])
        events = feed("ERROR:engine:gave up", 20)
        events += feed("Traceback (most recent call last):", 25)
        events += feed("ValueError: x", 25)
        #expect(events.filter(\.isError).count == 2, "a traceback 5 s later is a crash of its own")
        #expect(feed("ERROR:engine:last words", 30).isEmpty)
        #expect(grouper.flush(olderThan: at.addingTimeInterval(30)).isEmpty)
        #expect(grouper.flush(olderThan: at.addingTimeInterval(31)).map(\.message) == ["ERROR:engine:last words"])
    }
}
