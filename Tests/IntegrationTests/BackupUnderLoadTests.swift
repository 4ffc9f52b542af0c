import Foundation
import Testing

@testable import TradeKit

extension RealSystemd {
    /// An engine commits every 2 ms under the real user manager while `tradectl backup` runs.
    @Suite(
        "Backup under a live writer", .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"),
        .serialized)
    struct BackupUnderLoadTests {
        static let writer = """
            import os, signal, sqlite3, sys, time
            os.makedirs("data", exist_ok=True)
            db = sqlite3.connect("data/ticks.db", isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS ticks(id INTEGER PRIMARY KEY, at REAL, payload TEXT)")
            running = True
            def stop(*_):
                global running
                running = False
            signal.signal(signal.SIGTERM, stop)
            print("writer: started", flush=True)
            while running:
                db.execute("INSERT INTO ticks(at, payload) VALUES (?, ?)", (time.time(), "x" * 200))
                time.sleep(0.002)
            print("writer: clean shutdown", flush=True)
            """

        @Test("the archive verifies, tar reads it, and the restored DB holds every row committed before the snapshot")
        func backupWhileWriting() throws {
            let dir = NSTemporaryDirectory() + "tradectl-it-load-\(getpid())"
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: "\(dir)/app", withIntermediateDirectories: true)
            try Self.writer.write(toFile: "\(dir)/app/writer.py", atomically: true, encoding: .utf8)
            try """
            [project]
            name = "loadtest"
            [releases]
            source = "app"
            shared = ["data/"]
            [[components]]
            name = "writer"
            exec = "/usr/bin/python3 writer.py"
            stop_timeout = "10s"
            [backup]
            databases = ["data/ticks.db"]
            """.write(toFile: "\(dir)/tradectl.toml", atomically: true, encoding: .utf8)
            let scratch = ScratchDeployment(name: "loadtest", config: "\(dir)/tradectl.toml")
            defer {
                scratch.tearDown()
                try? FileManager.default.removeItem(atPath: dir)
            }
            let deploy = try scratch.tradectl(["deploy"])
            try #require(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")
            let database = "\(scratch.base)/opt/loadtest/shared/data/ticks.db"
            let grown = try Harness.eventually(20) {
                Int(
                    (try? Harness.run("/usr/bin/sqlite3", [database, "SELECT count(*) FROM ticks"]).stdout
                        .trimmingCharacters(in: .whitespacesAndNewlines)) ?? "") ?? 0 > 1000
            }
            try #require(grown, "the writer did not write")
            let before = try Harness.run("/usr/bin/sqlite3", [database, "SELECT max(id) FROM ticks"]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)

            let backup = try scratch.tradectl(["backup"])
            #expect(backup.status == 0, "\(backup.stdout)\(backup.stderr)")
            #expect(try Harness.property("loadtest-writer.service", "ActiveState") == "active")
            let verify = try scratch.tradectl(["backup", "verify", "latest"])
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")

            let archives = try FileManager.default.contentsOfDirectory(atPath: "\(scratch.base)/backups")
            let archive = try #require(archives.first { $0.hasSuffix(".tar.gz") })
            let out = "\(dir)/extracted"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let tar = try Harness.run("/bin/tar", ["-xzf", "\(scratch.base)/backups/\(archive)", "-C", out])
            #expect(tar.status == 0, "\(tar.stderr)")
            let restored = "\(out)/shared/data/ticks.db"
            #expect(try Harness.run("/usr/bin/sqlite3", [restored, "PRAGMA integrity_check"]).stdout.hasPrefix("ok"))
            let kept = try Harness.run(
                "/usr/bin/sqlite3", [restored, "SELECT count(*) FROM ticks WHERE id <= \(before)"]
            ).stdout
            #expect(
                kept.trimmingCharacters(in: .whitespacesAndNewlines) == before,
                "rows committed before the snapshot are missing")

            // Restore under the manager: the writer is stopped, data swapped, writer started and healthy again.
            let restore = try scratch.tradectl(["restore", "latest", "--yes"])
            #expect(restore.status == 0, "\(restore.stdout)\(restore.stderr)")
            #expect(try Harness.property("loadtest-writer.service", "ActiveState") == "active")
            let journal = try Harness.run(
                "/bin/journalctl", ["--no-pager", "-o", "cat", "_SYSTEMD_UNIT=loadtest-writer.service"]
            ).stdout
            #expect(journal.contains("writer: clean shutdown"), "the writer was not stopped gracefully")
            #expect(try Harness.run("/usr/bin/sqlite3", [database, "PRAGMA integrity_check"]).stdout.hasPrefix("ok"))
        }
    }
}
