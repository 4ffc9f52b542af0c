import Foundation
import Testing

extension RealSystemd {
    /// Under systemd (stderr is the journal) tradectl logs structured entries through sd_journal_sendv.
    @Suite("Logging to journald", .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"))
    struct JournalLoggingTests {
        @Test("a deploy run as a unit logs with TRADECTL_COMMAND and TRADECTL_PROJECT fields")
        func structuredFields() throws {
            let root = NSTemporaryDirectory() + "tradectl-it-journal-\(getpid())"
            defer { try? FileManager.default.removeItem(atPath: root) }
            let unit = "tradectl-logtest-\(getpid())"
            let run = try Harness.run(
                "/usr/bin/systemd-run",
                [
                    "--user", "--wait", "--collect", "--quiet", "--unit", unit,
                    "-E", "TRADECTL_TEMPLATES_DIR=\(Harness.repoRoot)/templates",
                    Harness.binary, "--config", "\(Harness.repoRoot)/examples/ivcrush/tradectl.toml", "--root", root,
                    "deploy",
                ])
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            var entries: [[String: Any]] = []
            _ = try Harness.eventually(10) {
                let output = try Harness.run(
                    "/bin/journalctl",
                    ["--no-pager", "-o", "json", "TRADECTL_PROJECT=ivcrush", "TRADECTL_COMMAND=deploy"]
                ).stdout
                entries = output.split(separator: "\n").compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }
                return entries.contains { ($0["MESSAGE"] as? String)?.hasPrefix("deploy succeeded") == true }
            }
            let planned = try #require(
                entries.first { ($0["MESSAGE"] as? String)?.hasPrefix("deploy planned") == true })
            #expect(planned["PRIORITY"] as? String == "6")
            #expect(planned["PLAN_CHANGES"] != nil)
            #expect(planned["SYSLOG_IDENTIFIER"] as? String == "tradectl")
            #expect(entries.contains { $0["PRIORITY"] as? String == "5" })
        }
    }
}
