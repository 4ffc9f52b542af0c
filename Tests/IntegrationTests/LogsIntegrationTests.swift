import Foundation
import Testing

@testable import TradeKit

extension RealSystemd {
    /// Counts and lines from `tradectl logs` against journalctl on the same journal and filter.
    enum LogsCheck {
        static let journalRemote = "/lib/systemd/systemd-journal-remote"

        /// journalctl's entry count: one JSON object per line, so multi-line messages count once.
        static func journalctl(_ arguments: [String]) throws -> [[String: Any]] {
            let result = try Harness.run("/bin/journalctl", ["--no-pager", "-q", "-o", "json"] + arguments)
            return result.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        static func tradectl(_ config: String, _ arguments: [String]) throws -> Harness.Result {
            try Harness.run(Harness.binary, ["logs", "--config", config] + arguments)
        }

        static func count(_ config: String, _ arguments: [String]) throws -> Int? {
            let result = try tradectl(config, arguments + ["--count"])
            return result.status == 0 ? Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) : nil
        }

        /// A config whose project has `components`, user scope, in a fresh temp directory.
        static func config(project: String, components: [String]) throws -> (directory: String, path: String) {
            let directory = NSTemporaryDirectory() + "tradectl-it-\(project)-\(getpid())"
            try? FileManager.default.removeItem(atPath: directory)
            try FileManager.default.createDirectory(atPath: "\(directory)/app", withIntermediateDirectories: true)
            var text = "[project]\nname = \"\(project)\"\nscope = \"user\"\n[releases]\nsource = \"app\"\n"
            for name in components { text += "[[components]]\nname = \"\(name)\"\nexec = \"/bin/true\"\n" }
            try text.write(toFile: "\(directory)/tradectl.toml", atomically: true, encoding: .utf8)
            return (directory, "\(directory)/tradectl.toml")
        }
    }

    /// Real units under the harness's user manager and journald: entries carry _SYSTEMD_UNIT.
    @Suite("Logs from real units", .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"), .serialized)
    struct LogsIntegrationTests {
        /// A project name of its own per test, so entries of one test never count in another.
        static func project(_ suffix: String) -> String { "logit\(getpid() % 100_000)\(suffix)" }

        /// Runs `script` as the transient unit `unit`, stderr to the journal, and waits for it.
        /// journald derives `_SYSTEMD_UNIT` from the writer's cgroup, read from /proc when it
        /// accepts the stream; a shell that has already exited by then (a busy journald on
        /// 2 cores) leaves its lines without the field. Staying alive a second around the
        /// writes keeps the lookup from racing the exit.
        func runUnit(_ unit: String, _ script: String) throws {
            let result = try Harness.run(
                "/usr/bin/systemd-run",
                [
                    "--user", "--unit", unit, "--wait", "--collect", "--quiet", "-p", "StandardError=journal",
                    "/bin/sh",
                    "-c", "sleep 1; \(script)\nsleep 1",
                ])
            try #require(result.status == 0, "\(unit): \(result.stderr)")
        }

        /// Known entries: 6 + 3 in two units of ours (2 err, 2 crit among them), 2 in a stranger.
        /// Priorities come from `<N>` line prefixes on the unit's own stdout/stderr: those streams
        /// carry the unit name, while `systemd-cat`/`logger` entries get _SYSTEMD_UNIT only if
        /// journald reads the sender's cgroup before it exits, which a busy journald may not.
        func writeEntries(_ project: String) throws -> [String] {
            let engine = "\(project)-engine.service"
            let feed = "\(project)-feed.service"
            try runUnit(
                engine,
                """
                echo 'engine started'; echo '<3>order 17 rejected: margin' >&2; echo '<2>broker disconnected'
                echo 'Order 18 filled'; echo '<3>risk limit hit'; echo '<4>slow fill' >&2
                """)
            try runUnit(feed, "echo '<4>feed lagging'; echo 'tick'; echo '<2>gap in feed' >&2")
            try runUnit("other\(project)-engine.service", "echo '<3>not ours'; echo 'not ours either'")
            let units = ["_SYSTEMD_UNIT=\(engine)", "_SYSTEMD_UNIT=\(feed)"]
            let arrived = try Harness.eventually(20) { try LogsCheck.journalctl(units).count >= 9 }
            try #require(arrived, "journald did not store the entries in time")
            return units
        }

        @Test("counts equal journalctl's for the same units, priorities and pattern")
        func countsMatchJournalctl() throws {
            let project = Self.project("c")
            let (directory, config) = try LogsCheck.config(project: project, components: ["engine", "feed"])
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let units = try writeEntries(project)
            let cases: [([String], [String])] = [
                ([], units), (["--priority", "err"], units + ["-p", "err"]),
                (["--priority", "4"], units + ["-p", "4"]),
                (["feed"], [units[1]]), (["engine", "--priority", "crit"], [units[0], "-p", "crit"]),
                (["--grep", "order"], units + ["--grep", "order"]),
                (["--grep", "Order"], units + ["--grep", "Order"]),
                (["--since", "10min"], units + ["--since", "-10min"]),
            ]
            for (ours, theirs) in cases {
                let expected = try LogsCheck.journalctl(theirs).count
                #expect(try LogsCheck.count(config, ours) == expected, "tradectl logs \(ours)")
            }
            #expect(try LogsCheck.count(config, ["--priority", "err"]) == 4)  // 2 err, 2 crit
            #expect(try LogsCheck.count(config, []) == 9)
        }

        @Test("short-iso and JSON lines name the unit; -n keeps the last entries in order")
        func output() throws {
            let project = Self.project("o")
            let (directory, config) = try LogsCheck.config(project: project, components: ["engine", "feed"])
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let units = try writeEntries(project)
            let text = try LogsCheck.tradectl(config, ["engine", "--priority", "err"])
            #expect(text.status == 0, "\(text.stderr)")
            let lines = text.stdout.split(separator: "\n").map(String.init)
            #expect(
                lines.contains { $0.contains(" \(project)-engine[") && $0.hasSuffix(": order 17 rejected: margin") })
            #expect(lines.contains { $0.hasSuffix(": risk limit hit") })
            let json = try LogsCheck.tradectl(config, ["--json", "-n", "2", "feed"])
            let objects = json.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
            }
            let theirs = try LogsCheck.journalctl([units[1], "-n", "2"])
            #expect(objects.count == 2, "\(json.stdout)")
            for key in ["MESSAGE", "PRIORITY", "__REALTIME_TIMESTAMP", "_PID", "_SYSTEMD_UNIT"] {
                #expect(objects.map { $0[key] } == theirs.map { $0[key] as? String }, "\(key)")
            }
        }

        @Test("--follow prints new entries as they are logged and exits 0 on SIGTERM")
        func follow() throws {
            let project = Self.project("f")
            let (directory, config) = try LogsCheck.config(project: project, components: ["engine", "feed"])
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let outputPath = "\(directory)/follow.out"
            FileManager.default.createFile(atPath: outputPath, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Harness.binary)
            process.arguments = ["logs", "--config", config, "feed", "--follow", "-n", "0"]
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
            try process.run()
            defer { if process.isRunning { process.terminate() } }
            usleep(500_000)
            try runUnit("\(project)-feed.service", "echo 'late tick'")
            let seen = Harness.eventually(20) {
                ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "").contains("late tick")
            }
            #expect(seen, "follower did not print the new entry")
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            #expect(process.terminationReason == .exit && process.terminationStatus == 0)
            let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            #expect(output.split(separator: "\n").count == 1, "-n 0 printed old entries: \(output)")
        }
    }

    /// A journal built offline with systemd-journal-remote: fields exactly as written.
    @Suite(
        "Logs from a journal directory",
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: LogsCheck.journalRemote), "needs systemd-journal-remote"))
    struct LogsDirectoryTests {
        static let units = [
            "dirit-a.service", "dirit-b.service", "dirit-c.service", "dirit-backup.service", "other.service",
        ]

        /// 600 entries 5 minutes apart over 50 hours (the 24h boundary falls between two), mixed
        /// priorities, round-robin over three component units, tradectl's backup unit and a stranger.
        static func export(now: Date) -> String {
            let end = LogTime.microseconds(now) - 150_000_000
            var text = ""
            for index in 0..<600 {
                let time = end - UInt64(599 - index) * 300_000_000
                let message =
                    index % 7 == 0
                    ? "order \(index) rejected" : index % 11 == 0 ? "Order \(index) filled" : "tick \(index)"
                text += "__REALTIME_TIMESTAMP=\(time)\n__MONOTONIC_TIMESTAMP=\(1_000_000 + index)\n"
                text += "_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=bench\n_PID=\(100 + index % 5)\n"
                text += "_SYSTEMD_UNIT=\(units[index % 5])\nPRIORITY=\(index % 8)\nSYSLOG_IDENTIFIER=python3\n"
                text += "MESSAGE=\(message)\n\n"
            }
            return text
        }

        /// Entries whose printing has rules of its own, some an hour apart across New York's DST
        /// changes. SYSLOG_IDENTIFIER is the unit's name, so journalctl's line and tradectl's
        /// (which names the unit) are the same bytes.
        static func edgeExport() -> Data {
            let messages: [[UInt8]?] = [
                Array("plain".utf8), Array("multi\nline\n\nend".utf8), Array("trailing newline\n".utf8), [],
                nil, Array("tab\there".utf8), Array("ansi \u{1B}[31mred\u{1B}[0m and \u{1B}]8;;u\u{07}link".utf8),
                Array("bad utf8 ".utf8) + [0xFF], Array("nonchar ".utf8) + [0xEF, 0xBF, 0xBE],
                Array("c1 ".utf8) + [0xC2, 0x85],
                Array("cr before nl\r\nnext\r".utf8), Array("cr mid\rdle".utf8), Array("esc \u{1B}[?25l".utf8),
                Array("ok é € 😀".utf8), Array(repeating: UInt8(ascii: "x"), count: 1500) + [0x01],
            ]
            // 2026-03-08T07:00Z and 2026-11-01T06:00Z, New York's changes, and hours either side.
            let times = [1_772_953_200, 1_793_512_800].flatMap { change in (-2...2).map { change + $0 * 1_800 } }
            var data = Data()
            for (index, message) in messages.enumerated() {
                let unit = index % 2 == 0 ? "edgeit-a" : "edgeit-b"
                let seconds = times[index % times.count] + index * 7
                var text = "__REALTIME_TIMESTAMP=\(UInt64(seconds) * 1_000_000 + 250_000)\n"
                text += "__MONOTONIC_TIMESTAMP=\(1_000_000 + index)\n_BOOT_ID=0123456789abcdef0123456789abcdef\n"
                text += "_HOSTNAME=\(index == 1 ? "höst" : "host")\n_PID=\(40 + index)\n"
                text += "_SYSTEMD_UNIT=\(unit).service\nSYSLOG_IDENTIFIER=\(unit)\n"
                data.append(Data(text.utf8))
                if let message {
                    // The export format's binary form: name, newline, little-endian length, bytes.
                    data.append(Data("MESSAGE\n".utf8))
                    withUnsafeBytes(of: UInt64(message.count).littleEndian) { data.append(contentsOf: $0) }
                    data.append(contentsOf: message + [0x0A])
                }
                data.append(0x0A)
            }
            return data
        }

        @Test("short-iso output is journalctl's byte for byte: zones and DST, multi-line, blobs, escapes")
        func shortISOBytes() throws {
            let (directory, config) = try LogsCheck.config(project: "edgeit", components: ["a", "b"])
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let journal = "\(directory)/journal"
            try FileManager.default.createDirectory(atPath: journal, withIntermediateDirectories: true)
            try Self.edgeExport().write(to: URL(fileURLWithPath: "\(directory)/entries.export"))
            let built = try Harness.run(
                "/bin/sh",
                ["-c", "\(LogsCheck.journalRemote) -o \(journal)/remote.journal - < \(directory)/entries.export"])
            try #require(built.status == 0, "\(built.stderr)")
            for zone in ["UTC", "America/New_York", "Asia/Kolkata", "Europe/Berlin"] {
                let theirs = try Harness.run(
                    "/bin/journalctl", ["--no-pager", "-q", "-D", journal, "-o", "short-iso"], environment: ["TZ": zone]
                )
                let ours = try Harness.run(
                    Harness.binary, ["logs", "--config", config, "--directory", journal], environment: ["TZ": zone])
                #expect(ours.status == 0, "\(ours.stderr)")
                #expect(theirs.stdout.split(separator: "\n").count > 15, "\(zone): \(theirs.stdout)")
                #expect(ours.stdout == theirs.stdout, "\(zone):\n\(ours.stdout)\n---\n\(theirs.stdout)")
            }
        }

        @Test("counts and entries equal journalctl -D for units, priorities, times, patterns, -n")
        func matchesJournalctl() throws {
            let (directory, config) = try LogsCheck.config(project: "dirit", components: ["a", "b", "c"])
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let journal = "\(directory)/journal"
            try FileManager.default.createDirectory(atPath: journal, withIntermediateDirectories: true)
            try Self.export(now: Date()).write(toFile: "\(directory)/entries.export", atomically: true, encoding: .utf8)
            let built = try Harness.run(
                "/bin/sh",
                ["-c", "\(LogsCheck.journalRemote) -o \(journal)/remote.journal - < \(directory)/entries.export"])
            try #require(built.status == 0, "\(built.stderr)")

            let all = Self.units.dropLast().map { "_SYSTEMD_UNIT=\($0)" }
            let cases: [([String], [String])] = [
                ([], all), (["--priority", "err"], all + ["-p", "err"]), (["b"], ["-u", "dirit-b.service"]),
                (
                    ["a", "c", "--priority", "warning", "--since", "24h"],
                    ["-u", "dirit-a.service", "-u", "dirit-c.service", "-p", "warning", "--since", "-24h"]
                ),
                (["--since", "36h", "--until", "12h"], all + ["--since", "-36h", "--until", "-12h"]),
                (["--grep", "order"], all + ["--grep", "order"]),
                (["--grep", "Order", "--priority", "7"], all + ["--grep", "Order"]),
                (["-n", "5"], all + ["-n", "5"]), (["-n", "5000"], all),
            ]
            for (ours, theirs) in cases {
                let expected = try LogsCheck.journalctl(["-D", journal] + theirs).count
                #expect(expected > 0, "\(theirs)")
                #expect(
                    try LogsCheck.count(config, ["--directory", journal] + ours) == expected, "tradectl logs \(ours)")
            }

            let ours = try LogsCheck.tradectl(
                config, ["--directory", journal, "--json", "--priority", "err", "-n", "20"])
            let mine = ours.stdout.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String]
            }
            let theirs = try LogsCheck.journalctl(["-D", journal, "-p", "err", "-n", "20"] + all)
            #expect(mine.count == 20)
            for key in ["__REALTIME_TIMESTAMP", "MESSAGE", "_SYSTEMD_UNIT", "PRIORITY", "_PID"] {
                #expect(mine.map { $0[key] } == theirs.map { $0[key] as? String }, "\(key)")
            }
        }
    }
}
