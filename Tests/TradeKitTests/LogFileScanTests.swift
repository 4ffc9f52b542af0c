import Foundation
import Testing

@testable import TradeKit

/// `tradectl logs --files`: file lines read, filtered and merged with the journal's by time.
@Suite("logs --files")
struct LogFileScanTests {
    static func source(_ dir: TempDir) -> LogFileSource {
        LogFileSource(
            component: "engine", unit: "demo-engine.service", format: .python, glob: "logs/*.log",
            pattern: "\(dir.path)/shared/logs/*.log")
    }

    static func micro(_ iso: String) -> UInt64 { LogTime.microseconds(LogLineTime.parse(iso)!) }

    @Test("times from the lines (else the previous line's), merged with the journal, labelled with the file")
    func merged() throws {
        let dir = TempDir()
        _ = dir.write(
            "shared/logs/engine.log",
            """
            2026-12-07T10:00:01Z INFO started
            2026-12-07T10:00:03Z ERROR order rejected
            Traceback (most recent call last):
              File "engine.py", line 1
            2026-12-07T10:00:05Z INFO tick

            """)
        let journal = [
            LogEntry(
                realtime: Self.micro("2026-12-07T10:00:02Z"), priority: "6", unit: "demo-engine.service",
                message: "journal a"),
            LogEntry(
                realtime: Self.micro("2026-12-07T10:00:04Z"), priority: "6", unit: "demo-engine.service",
                message: "journal b"),
        ]
        let files = try LogFileScan.entries(LogQuery(units: []), sources: [Self.source(dir)])
        let merged = LogFileScan.merge(journal: journal, files: files, lines: nil)
        #expect(
            merged.map { $0.message ?? "" } == [
                "2026-12-07T10:00:01Z INFO started", "journal a", "2026-12-07T10:00:03Z ERROR order rejected",
                "Traceback (most recent call last):", "  File \"engine.py\", line 1", "journal b",
                "2026-12-07T10:00:05Z INFO tick",
            ])
        #expect(files.allSatisfy { $0.file == "logs/engine.log" && $0.identifier == "engine" })
        #expect(files.map { $0.priority ?? "" } == ["6", "3", "3", "6", "6"])
        let line = try #require(LogFormat.shortISO(files[1]))
        #expect(line.contains(" demo-engine[logs/engine.log]: 2026-12-07T10:00:03Z ERROR order rejected"), "\(line)")
        let json = LogFormat.json(files[1])
        #expect(json.contains("\"TRADECTL_LOG_FILE\":\"logs/engine.log\""))
        #expect(json.contains("\"_SYSTEMD_UNIT\":\"demo-engine.service\""))
        #expect(
            LogFileScan.merge(journal: journal, files: files, lines: 2).map { $0.message ?? "" } == [
                "journal b", "2026-12-07T10:00:05Z INFO tick",
            ])
    }

    @Test("--since/--until, --priority by log_format, --grep, -n; rotated files only with --since")
    func filters() throws {
        let dir = TempDir()
        let rotated = dir.write("shared/logs/engine.log.1", "2026-12-07T09:00:00Z ERROR old failure\n")
        _ = dir.write("shared/logs/engine.log.2.gz", "not text")
        _ = dir.write(
            "shared/logs/engine.log",
            "2026-12-07T10:00:00Z INFO a\n2026-12-07T10:00:01Z ERROR b\n2026-12-07T10:00:02Z WARNING c\n")
        // The rotated file was last written at 09:00.
        let nine = Date(timeIntervalSince1970: TimeInterval(Self.micro("2026-12-07T09:00:00Z") / 1_000_000))
        try FileManager.default.setAttributes([.modificationDate: nine], ofItemAtPath: rotated)
        let sources = [Self.source(dir)]
        func messages(_ query: LogQuery) throws -> [String] {
            try LogFileScan.entries(query, sources: sources).map { $0.message ?? "" }
        }
        #expect(try messages(LogQuery(units: [])).count == 3)
        #expect(
            try messages(LogQuery(units: [], since: Self.micro("2026-12-07T08:00:00Z"))).first?.contains("old") == true)
        #expect(try messages(LogQuery(units: [], since: Self.micro("2026-12-07T09:30:00Z"))).count == 3)
        #expect(try messages(LogQuery(units: [], maxPriority: 3)) == ["2026-12-07T10:00:01Z ERROR b"])
        #expect(
            try messages(LogQuery(units: [], until: Self.micro("2026-12-07T10:00:00Z"))) == [
                "2026-12-07T10:00:00Z INFO a"
            ])
        #expect(try messages(LogQuery(units: [], grep: "warning")) == ["2026-12-07T10:00:02Z WARNING c"])
        #expect(try messages(LogQuery(units: [], lines: 1)) == ["2026-12-07T10:00:02Z WARNING c"])
    }

    @Test("--files: only the named components' files; with --follow a usage error")
    func request() throws {
        let dir = TempDir()
        var text = minimalConfig(source: "\(dir.path)/src", root: "/opt/demo")
        text = text.replacingOccurrences(of: "trades = true", with: "trades = true\nlog_files = [\"logs/*.log\"]")
        let (deployment, _) = try ConfigLoader(environment: [:]).load(path: dir.write("tradectl.toml", text))
        var request = LogRequest()
        #expect(try request.fileSources(for: deployment, root: nil).isEmpty)
        request.files = true
        let sources = try request.fileSources(for: deployment, root: "/mnt/target")
        #expect(sources.map(\.pattern) == ["/mnt/target/opt/demo/shared/logs/*.log"])
        request.follow = true
        #expect(throws: LogUsageError.self) { try request.validate() }
        let result = try runTradectl(["logs", "--config", "\(dir.path)/tradectl.toml", "--files", "--follow"])
        #expect(result.status == 64, "\(result.stderr)")
        #expect(result.stderr.contains("--files and --follow"), "\(result.stderr)")

        // Under --root with no journal: the files' lines are printed, then exit 69.
        _ = dir.write("target/opt/demo/shared/logs/engine.log", "2026-12-07T10:00:00Z ERROR order rejected\n")
        let offline = try runTradectl([
            "logs", "--config", "\(dir.path)/tradectl.toml", "--root", "\(dir.path)/target", "--files",
        ])
        #expect(offline.status == 69, "\(offline.stderr)")
        #expect(
            offline.stdout.hasSuffix(" demo-engine[logs/engine.log]: 2026-12-07T10:00:00Z ERROR order rejected\n"),
            "\(offline.stdout)")
        #expect(offline.stderr.contains("journal unavailable"), "\(offline.stderr)")
    }
}
