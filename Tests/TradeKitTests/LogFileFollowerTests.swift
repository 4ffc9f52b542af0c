import Foundation
import Logging
import Testing

@testable import TradeKit

/// Appends to a file the way a logging handler does (O_APPEND, one write per call).
func appendLines(_ path: String, _ lines: [String], newline: Bool = true) {
    let text = lines.joined(separator: "\n") + (newline ? "\n" : "")
    let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
    precondition(descriptor >= 0, "open \(path)")
    _ = text.utf8CString.withUnsafeBufferPointer { write(descriptor, $0.baseAddress, $0.count - 1) }
    close(descriptor)
}

/// copytruncate as logrotate does it: copy the content to `.1`, then truncate in place.
func copyTruncate(_ path: String) throws {
    let files = FileManager.default
    if files.fileExists(atPath: "\(path).1") {
        try? files.removeItem(atPath: "\(path).2")
        try files.moveItem(atPath: "\(path).1", toPath: "\(path).2")
    }
    try files.copyItem(atPath: path, toPath: "\(path).1")
    precondition(truncate(path, 0) == 0)
}

@Suite("Log file follower")
struct LogFileFollowerTests {
    static func source(_ dir: TempDir, format: LineFormat = .python) -> LogFileSource {
        LogFileSource(
            component: "engine", unit: "demo-engine.service", format: format, glob: "logs/*.log",
            pattern: "\(dir.path)/logs/*.log")
    }

    @Test("appends, rename+create and copytruncate rotations: every line once, in order; restart resumes")
    func rotations() throws {
        let dir = TempDir()
        let log = dir.write("logs/engine.log", "")
        var follower = LogFileFollower(sources: [Self.source(dir)], positions: [:])
        var read: [String] = []
        var written: [String] = []
        var next = 0
        func write(_ count: Int) {
            let lines = (0..<count).map { _ in
                next += 1
                return "2026-12-07 10:00:\(String(format: "%02d", next % 60)),000 - engine - INFO - line \(next)"
            }
            written += lines
            appendLines(log, lines)
        }
        func poll() { read += follower.readLines().map(\.text) }

        write(3)
        poll()
        // A half-written line waits for its newline.
        appendLines(log, ["2026-12-07 10:01:00,000 - engine - INFO - line partial"], newline: false)
        poll()
        #expect(read == written)
        appendLines(log, [" and its end"])
        written.append("2026-12-07 10:01:00,000 - engine - INFO - line partial and its end")
        poll()
        #expect(read == written)

        // Rename + create (RotatingFileHandler), with lines written just before the rotation.
        write(4)
        try FileManager.default.moveItem(atPath: log, toPath: "\(log).1")
        write(2)
        poll()
        #expect(read == written)

        // copytruncate with lines just before; then the new file grows past the old offset
        // before the next read (only the head fingerprint shows the truncation).
        write(5)
        try copyTruncate(log)
        write(1)
        poll()
        #expect(read == written)
        write(2)
        poll()
        write(3)
        try copyTruncate(log)
        write(40)
        poll()
        #expect(read == written)

        // A restarted monitor resumes from the saved positions.
        let saved = follower.positions
        write(2)
        var restarted = LogFileFollower(sources: [Self.source(dir)], positions: saved)
        read += restarted.readLines().map(\.text)
        #expect(read == written)
        #expect(Set(read).count == read.count)
    }

    @Test("bounded: at most maxLines per file per poll, the rest next poll, also across a rotation")
    func bounded() throws {
        let dir = TempDir()
        let log = dir.write("logs/engine.log", "")
        var follower = LogFileFollower(sources: [Self.source(dir)], positions: [:])
        follower.maxLines = 4
        appendLines(log, ["first", "second"])
        #expect(follower.readLines().map(\.text) == ["first", "second"])
        let lines = (1...10).map { "line \($0)" }
        appendLines(log, lines)
        try copyTruncate(log)
        appendLines(log, ["after"])
        var read: [String] = []
        for _ in 0..<5 {
            let batch = follower.readLines().map(\.text)
            #expect(batch.count <= 4)
            read += batch
        }
        #expect(read == lines + ["after"])
    }

    @Test("first start without saved positions begins at the end; rotated names are not followed")
    func firstStart() throws {
        let dir = TempDir()
        let log = dir.write("logs/engine.log", "old news\n")
        _ = dir.write("logs/engine.log.1", "older\n")
        _ = dir.write("logs/engine.log.2.gz", "x")
        var follower = LogFileFollower(sources: [Self.source(dir)], positions: nil)
        #expect(follower.readLines().isEmpty)
        appendLines(log, ["new"])
        #expect(follower.readLines().map(\.text) == ["new"])
        #expect(LogFileFollower.expand("\(dir.path)/logs/*") == [log])
    }

    @Test("events: the component's unit, priority from log_format, time from the line")
    func events() throws {
        let dir = TempDir()
        let log = dir.write("logs/engine.log", "")
        var follower = LogFileFollower(sources: [Self.source(dir)], positions: [:])
        appendLines(log, ["2026-12-07T10:00:00.500Z ERROR order rejected", "no time, INFO here"])
        let now = Date()
        let events = follower.poll(now: now)
        #expect(events.map(\.unit) == ["demo-engine.service", "demo-engine.service"])
        #expect(events.map(\.priority) == [3, 6])
        #expect(events[0].at == Date(timeIntervalSince1970: 1_796_637_600.5))
        #expect(events[1].at == now)
    }

    @Test("line times: Python asctime (local), ISO-8601 with a zone, none")
    func lineTimes() {
        #expect(LogLineTime.parse("2026-12-07T10:00:00Z x") == Date(timeIntervalSince1970: 1_796_637_600))
        #expect(LogLineTime.parse("[2026-12-07T11:00:00+01:00] x") == Date(timeIntervalSince1970: 1_796_637_600))
        let local = LogLineTime.parse("2026-12-07 10:00:00,250 - engine - INFO - x")
        let offset = TimeInterval(TimeZone.current.secondsFromGMT(for: Date(timeIntervalSince1970: 1_796_637_600)))
        #expect(local == Date(timeIntervalSince1970: 1_796_637_600.25 - offset))
        #expect(LogLineTime.parse("INFO:engine:started") == nil)
        #expect(LogLineTime.parse("2026-13-07 10:00:00 x") == nil)
    }
}

/// Records alerts instead of sending them.
actor RecordingSink: AlertSink {
    var alerts: [Alert] = []
    func enqueue(_ alert: Alert, to receivers: [String]) async { alerts.append(alert) }
    func enqueue(_ alert: Alert, to receivers: [String], tickets: [String: Int64], journal: Bool) async {
        alerts.append(alert)
    }
    func stats() async -> [MonitorSnapshot.NotifierSample] { [] }
}

@Suite("Monitor follows log files")
struct MonitorLogFileTests {
    @Test("pattern matches in a log file survive a forced logrotate between cycles and a monitor restart")
    func forcedRotation() async throws {
        let logrotate = LogrotateConfig.executable
        guard FileManager.default.isExecutableFile(atPath: logrotate) else {
            Issue.record("\(logrotate) missing: bash scripts/install-deps.sh")
            return
        }
        let dir = TempDir()
        _ = dir.write("src/engine.py", "\n")
        let root = "\(dir.path)/opt"
        var text = minimalConfig(source: "\(dir.path)/src", root: root)
        text = text.replacingOccurrences(
            of: "trades = true", with: "trades = true\nlog_format = \"python\"\nlog_files = [\"logs/*.log\"]")
        let path = dir.write("tradectl.toml", text)
        var (deployment, _) = try ConfigLoader(environment: [:]).load(path: path)
        deployment.monitor.patterns = [JournalPattern(name: "rejects", regex: "REJECTED", threshold: 1000)]
        deployment.monitor.autoRestart = false
        try FileManager.default.createDirectory(atPath: "\(root)/state", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(root)/shared/logs", withIntermediateDirectories: true)
        let config = dir.write("logrotate.conf", try #require(LogrotateConfig.render(deployment)))
        let log = "\(root)/shared/logs/engine.log"
        func rotate() throws {
            let result = try runProgram(logrotate, ["-f", "--state", "\(dir.path)/logrotate.state", config])
            #expect(result.status == 0, "\(result.stderr)")
        }
        func cycle() -> MonitorCycle {
            let suite = HealthSuite(
                deployment: deployment, fileSystem: RootedFileSystem(root: "/"), environment: [:],
                services: TableServiceManager([:]))
            return MonitorCycle(suite: suite, sink: RecordingSink(), logger: Logger(label: "test"))
        }
        // Lines carry a time a minute ago: the grouper holds an error line until its writer's next
        // line or until it is 5 s old (a traceback may follow), so these count in their own cycle.
        let stamp = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-60))
        func appendLines(_ path: String, _ lines: [String]) {
            TradeKitTests.appendLines(path, lines.map { "\(stamp) \($0)" })
        }
        let first = cycle()
        _ = await first.run { JournalFollower.Batch() }  // no file yet: nothing to read, positions known
        appendLines(log, ["INFO engine start", "ERROR engine order 1 REJECTED", "ERROR engine order 2 REJECTED"])
        var snapshot = await first.run { JournalFollower.Batch() }
        #expect(snapshot.patternMatches["rejects"] == 2)
        #expect(snapshot.journalErrors["engine"] == 2)
        appendLines(log, ["ERROR engine order 3 REJECTED", "INFO engine tick"])  // just before the rotation
        try rotate()
        appendLines(log, ["ERROR engine order 4 REJECTED"])
        snapshot = await first.run { JournalFollower.Batch() }
        #expect(snapshot.patternMatches["rejects"] == 4)
        #expect(FileManager.default.fileExists(atPath: "\(log).1"))

        // A new monitor process resumes from the positions saved in the state DB.
        appendLines(log, ["ERROR engine order 5 REJECTED"])
        try rotate()
        appendLines(log, ["ERROR engine order 6 REJECTED"])
        let second = cycle()
        snapshot = await second.run { JournalFollower.Batch() }
        #expect(snapshot.patternMatches["rejects"] == 2)
        let state = try StateStore(path: "\(root)/state/state.db").monitorState()
        #expect(state.logFiles?[log] != nil)
    }
}
