import Foundation
import Testing

@testable import TradeKit

extension RealSystemd {
    /// `retries`/`retry_delay` of a oneshot under the real user manager, on a copy of the
    /// Databento example (retry_delay 2s instead of 5min, the status service on a free port,
    /// a project name of its own so overlapping runs in other worktrees do not meet it).
    @Suite("Oneshot retries", .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"), .serialized)
    struct RetryIntegrationTests {
        @Test("Databento's pull fails twice, then succeeds: three runs; failing throughout: three runs, then failed")
        func pullRetries() throws {
            let name = "dbretry-\(getpid())"
            let dir = NSTemporaryDirectory() + "tradectl-it-\(name)"
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try FileManager.default.copyItem(
                atPath: "\(Harness.repoRoot)/examples/databento", toPath: "\(dir)/databento")
            let config = "\(dir)/databento/tradectl.toml"
            let port = try LoopbackServer.freePort()
            var text = try String(contentsOfFile: config, encoding: .utf8)
            for (old, new) in [
                ("retry_delay = \"5min\"", "retry_delay = \"2s\""), ("--port 8080", "--port \(port)"),
                ("127.0.0.1:8080/health", "127.0.0.1:\(port)/health"),
            ] {
                try #require(text.contains(old), "the example no longer says \(old)")
                text = text.replacingOccurrences(of: old, with: new)
            }
            try text.write(toFile: config, atomically: true, encoding: .utf8)

            let scratch = ScratchDeployment(name: name, config: config)
            scratch.overrides = ["TRADECTL_PROJECT_NAME": name]
            defer { scratch.tearDown() }
            let deploy = try scratch.tradectl(["deploy"])
            try #require(deploy.status == 0, "\(deploy.stdout)\n\(deploy.stderr)")

            let unit = UnitNames.service(name, "pull")
            let data = "\(scratch.base)/opt/\(name)/shared/data"
            #expect(try Harness.property(unit, "Restart") == "on-failure")
            #expect(try Harness.property(unit, "StartLimitBurst") == "3")

            // Two failures, then a good pull. `systemctl start` reports the first failure; systemd
            // then runs it again by itself, 2 s after each failure.
            try "2\n".write(toFile: "\(data)/simulate-failures", atomically: true, encoding: .utf8)
            _ = try Harness.systemctl("start", unit)
            let succeeded = try Harness.eventually(60) {
                try Harness.property(unit, "ActiveState") == "inactive"
                    && Harness.property(unit, "Result") == "success"
            }
            #expect(succeeded, "\((try? Harness.systemctl("status", unit).stdout) ?? "")")
            var runs = try Self.runs(of: unit)
            #expect(runs.invocations.count == 3, "\(runs)")
            #expect(runs.outages == 2 && runs.pulls == 1, "\(runs)")
            let catalog = try Harness.run("/usr/bin/sqlite3", ["\(data)/catalog.db", "SELECT COUNT(*) FROM pulls"])
            #expect(catalog.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(catalog.stderr)")

            // Failing every time: the first run and two retries, then the start limit ends it.
            _ = try Harness.systemctl("reset-failed", unit)
            try "9\n".write(toFile: "\(data)/simulate-failures", atomically: true, encoding: .utf8)
            _ = try Harness.systemctl("start", unit)
            let failed = try Harness.eventually(60) { try Harness.property(unit, "ActiveState") == "failed" }
            #expect(failed, "\((try? Harness.systemctl("status", unit).stdout) ?? "")")
            // Past the point where a fourth run would have started (2 s after the third failure).
            Thread.sleep(forTimeInterval: 5)
            runs = try Self.runs(of: unit)
            #expect(runs.invocations.count == 6, "\(runs)")
            #expect(runs.outages == 5 && runs.pulls == 1, "\(runs)")
            #expect(try Harness.property(unit, "ActiveState") == "failed")
        }

        struct Runs: CustomStringConvertible {
            var invocations: Set<String> = []
            var outages = 0
            var pulls = 0
            var description: String { "\(invocations.count) invocations, \(outages) outages, \(pulls) pulls" }
        }

        /// Runs of `unit` as the journal has them: its invocation IDs and what each logged.
        static func runs(of unit: String) throws -> Runs {
            // The unit's own lines, and the manager's about it ("Starting …", "… Failed with result"),
            // which carry the invocation ID even where journald cannot attribute the unit's lines.
            let output = try Harness.run(
                "/bin/journalctl",
                ["--no-pager", "-o", "json", "_SYSTEMD_UNIT=\(unit)", "+", "USER_UNIT=\(unit)", "+", "UNIT=\(unit)"]
            ).stdout
            var runs = Runs()
            for line in output.split(separator: "\n") {
                guard let entry = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    continue
                }
                for field in ["_SYSTEMD_INVOCATION_ID", "INVOCATION_ID", "USER_INVOCATION_ID"] {
                    if let id = entry[field] as? String { runs.invocations.insert(id) }
                }
                let message = entry["MESSAGE"] as? String ?? ""
                if message.contains("simulated API outage") { runs.outages += 1 }
                if message.contains(" wrote ") || message.hasPrefix("wrote ") { runs.pulls += 1 }
            }
            return runs
        }
    }
}
