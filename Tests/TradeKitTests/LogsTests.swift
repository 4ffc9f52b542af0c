import Foundation
import Testing

@testable import TradeKit

/// `tradectl logs` without a journal: argument rules, priorities, times, units, output formats.
@Suite("Logs: arguments and formatting")
struct LogsTests {
    static let now = Date(timeIntervalSince1970: 1_795_269_600)  // 2026-11-21T14:00:00Z
    static let utc = TimeZone(identifier: "UTC")!

    @Test("priorities: journalctl's names and 0..7, nothing else")
    func priorities() {
        #expect(LogPriority.parse("emerg") == 0)
        #expect(LogPriority.parse("err") == 3)
        #expect(LogPriority.parse("WARNING") == 4)
        #expect(LogPriority.parse("debug") == 7)
        #expect(LogPriority.parse("5") == 5)
        for bad in ["error", "8", "-1", "", "warn"] { #expect(LogPriority.parse(bad) == nil, "\(bad)") }
    }

    @Test("times: a duration ago, now, or ISO-8601 with or without a zone")
    func times() {
        let parse = { (text: String) in LogTime.parse(text, now: Self.now, timeZone: Self.utc) }
        #expect(parse("24h") == Self.now.addingTimeInterval(-86_400))
        #expect(parse("-90min") == Self.now.addingTimeInterval(-5_400))
        #expect(parse("1h30min") == Self.now.addingTimeInterval(-5_400))
        #expect(parse("now") == Self.now)
        let noon = Date(timeIntervalSince1970: 1_795_262_400)  // 2026-11-21T12:00:00Z
        #expect(parse("2026-11-21T12:00:00Z") == noon)
        #expect(parse("2026-11-21T14:00:00+02:00") == noon)
        #expect(parse("2026-11-21T14:00:00+0200") == noon)
        #expect(parse("2026-11-21T12:00:00.000Z") == noon)
        #expect(parse("2026-11-21T12:00:00") == noon)
        #expect(parse("2026-11-21 12:00:00") == noon)
        #expect(parse("2026-11-21") == noon.addingTimeInterval(-43_200))
        for bad in ["yesterday", "24", "h", "2026-13-40", ""] { #expect(parse(bad) == nil, "\(bad)") }
        #expect(LogTime.microseconds(noon) == 1_795_262_400_000_000)
    }

    @Test("what cannot combine is a usage error before any I/O")
    func validation() {
        func failure(_ change: (inout LogRequest) -> Void) -> String? {
            var request = LogRequest()
            change(&request)
            do { try request.validate(now: Self.now) } catch { return error.description }
            return nil
        }
        #expect(failure { _ in } == nil)
        #expect(failure { $0.priority = "loud" }?.contains("--priority") == true)
        #expect(failure { $0.since = "soon" }?.contains("--since") == true)
        #expect(failure { $0.until = "later" }?.contains("--until") == true)
        #expect(
            failure {
                $0.since = "1h"
                $0.until = "2h"
            } == "--since must be before --until")
        #expect(failure { $0.grep = "([" }?.contains("--grep") == true)
        #expect(failure { $0.lines = -1 }?.contains("-n") == true)
        #expect(
            failure {
                $0.follow = true
                $0.count = true
            }?.contains("--follow") == true)
        #expect(
            failure {
                $0.follow = true
                $0.until = "1h"
            }?.contains("--follow") == true)
        #expect(
            failure {
                $0.follow = true
                $0.since = "1h"
                $0.lines = 5
            } == nil)
    }

    @Test("units: every component's service, the daily restart, tradectl's own; named ones only")
    func units() throws {
        let (v6, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("v6"))
        let all = try LogUnits.units(for: v6, components: [])
        #expect(
            all == [
                "v6-trading.service", "v6-trading-restart.service", "v6-dashboard.service", "v6-position-sync.service",
                "v6-gateway.service", "v6-backup.service", "v6-health.service", "v6-monitor.service",
            ])
        #expect(try LogUnits.units(for: v6, components: ["dashboard"]) == ["v6-dashboard.service"])
        #expect(
            try LogUnits.units(for: v6, components: ["position-sync", "trading"])
                == ["v6-trading.service", "v6-trading-restart.service", "v6-position-sync.service"])
        #expect(
            throws: LogUsageError("unknown component \"brain\" (v6 has: trading, dashboard, position-sync, gateway)")
        ) {
            try LogUnits.units(for: v6, components: ["brain"])
        }
    }

    @Test("the query: units OR'd, priorities OR'd, the two groups AND'd; --follow starts at the last 10")
    func query() throws {
        var (v6, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("v6"))
        for index in v6.components.indices { v6.components[index].logFormat = .plain }
        var request = LogRequest()
        request.components = ["dashboard", "position-sync"]
        request.priority = "err"
        request.since = "24h"
        let query = try request.query(for: v6, now: Self.now)
        #expect(
            query.filter.groups == [
                ["_SYSTEMD_UNIT", "_SYSTEMD_USER_UNIT"].map { field in
                    ["\(field)=v6-dashboard.service", "\(field)=v6-position-sync.service"]
                        + ["PRIORITY=0", "PRIORITY=1", "PRIORITY=2", "PRIORITY=3"]
                }
            ])
        #expect(query.since == 1_795_183_200_000_000)
        #expect(query.until == nil && query.lines == nil && !query.follow)
        #expect(
            LogQuery(units: ["a.service"]).filter.groups == [
                [["_SYSTEMD_UNIT=a.service"], ["_SYSTEMD_USER_UNIT=a.service"]]
            ])
        request.follow = true
        #expect(try request.query(for: v6, now: Self.now).lines == 10)
        request.lines = 0
        #expect(try request.query(for: v6, now: Self.now).lines == 0)
    }

    @Test("-p with a declared log_format: that unit at every priority, judged per line; plain ones by PRIORITY")
    func queryWithFormats() throws {
        let (v6, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("v6"))
        #expect(v6.component(named: "trading")?.logFormat == .python)
        var request = LogRequest()
        request.components = ["trading", "dashboard"]
        request.priority = "err"
        var query = try request.query(for: v6, now: Self.now)
        query.formats["v6-dashboard.service"] = nil
        #expect(query.formats == ["v6-trading.service": .python])
        #expect(
            query.filter.groups == [
                ["_SYSTEMD_UNIT", "_SYSTEMD_USER_UNIT"].map { field in
                    ["\(field)=v6-trading-restart.service", "\(field)=v6-dashboard.service"]
                        + ["PRIORITY=0", "PRIORITY=1", "PRIORITY=2", "PRIORITY=3"]
                } + [["_SYSTEMD_UNIT=v6-trading.service"], ["_SYSTEMD_USER_UNIT=v6-trading.service"]]
            ])
        #expect(query.admits(unit: "v6-trading.service", message: "ERROR:engine:order rejected", recorded: "6"))
        #expect(!query.admits(unit: "v6-trading.service", message: "INFO:engine:error rate 0", recorded: "6"))
        #expect(query.admits(unit: "v6-dashboard.service", message: "INFO:x:y", recorded: "3"))
        #expect(query.judgedPriority(unit: "v6-trading.service", message: "WARNING:engine:slow", recorded: "6") == "4")
        #expect(query.judgedPriority(unit: "v6-dashboard.service", message: "ERROR:d:x", recorded: "6") == "6")
        let all = LogQuery(units: ["a.service"], maxPriority: 3, formats: ["a.service": .json, "b.service": .python])
        #expect(all.formats == ["a.service": .json], "formats of units not read are dropped")
        #expect(all.filter.groups == [[["_SYSTEMD_UNIT=a.service"], ["_SYSTEMD_USER_UNIT=a.service"]]])
        let entry = LogEntry(realtime: 1, priority: "3", unit: "a.service", message: "m", journalPriority: "6")
        #expect(LogFormat.json(entry).contains(#""PRIORITY":"3","JOURNAL_PRIORITY":"6""#))
    }

    @Test("short-iso lines: local time, host, unit[pid], continuation lines indented")
    func shortISO() {
        let time: UInt64 = 1_795_262_400_123_456
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ssZ"
        let stamp = formatter.string(from: Date(timeIntervalSince1970: 1_795_262_400))
        let entry = LogEntry(
            realtime: time, priority: "3", unit: "v6-trading.service", message: "order rejected", pid: "42",
            identifier: "python3", hostname: "box")
        #expect(LogFormat.shortISO.render(entry) == "\(stamp) box v6-trading[42]: order rejected")
        let bare = LogEntry(realtime: time, message: "a\nb", identifier: "x")
        let prefix = "\(stamp) x: "
        #expect(LogFormat.shortISO.render(bare) == prefix + "a\n" + String(repeating: " ", count: prefix.count) + "b")
    }

    @Test("JSON lines: journalctl's field names, string values, absent fields left out, escaping")
    func json() throws {
        let entry = LogEntry(realtime: 17, priority: "3", unit: "u.service", message: "say \"hi\"\\\n\u{1}", pid: "9")
        let line = LogFormat.json(entry)
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(
            object == [
                "__REALTIME_TIMESTAMP": "17", "PRIORITY": "3", "_SYSTEMD_UNIT": "u.service",
                "MESSAGE": "say \"hi\"\\\n\u{1}",
                "_PID": "9",
            ])
    }

    @Test("--grep is case-insensitive only for an all-lower-case pattern")
    func smartCase() throws {
        #expect(try MessageMatcher(pattern: "order").matches("Order filled"))
        #expect(try !MessageMatcher(pattern: "Order").matches("order filled"))
        #expect(try MessageMatcher(pattern: "Order").matches("Order filled"))
        #expect(try MessageMatcher(pattern: "fill(ed)?$").matches("order FILLED"))
        #expect(try !MessageMatcher(pattern: "^fill").matches("order filled"))
    }

    @Test("the CLI: usage errors exit 64, an unreadable journal exits 69, --directory stays hidden")
    func commandLine() throws {
        let config = Repo.example("v6")
        for arguments in [
            ["--priority", "loud"], ["--follow", "--count"], ["--since", "soon"], ["-n", "-3"], ["brain"],
        ] {
            let result = try runTradectl(["logs", "--config", config] + arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
        }
        let missing = try runTradectl(["logs", "--config", config, "--directory", "/nonexistent-journal", "--count"])
        #expect(missing.status == 69, "\(missing.stderr)")
        #expect(missing.stderr.contains("tradectl: error: journal unavailable"), "\(missing.stderr)")
        #expect(missing.stdout.isEmpty)
        let help = try runTradectl(["logs", "--help"])
        #expect(help.status == 0)
        for option in ["--since", "--until", "--priority", "--grep", "--follow", "--lines", "--count"] {
            #expect(help.stdout.contains(option), "\(option) missing from help")
        }
        #expect(!help.stdout.contains("--directory"))
    }
}
