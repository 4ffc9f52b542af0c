import Foundation
import Testing

@testable import TradeKit

/// Faults injected for real (docs/reliability.md): each row asserts one clear line, nothing
/// lost, and that the next run converges once the fault is gone.
@Suite("Fault matrix", .serialized)
struct FaultMatrixTests {
    /// A small tmpfs mounted over a directory for the test's duration (root only: CI runs as root).
    final class SmallFilesystem {
        let path: String
        private(set) var mounted = false

        init(over path: String, size: String) throws {
            self.path = path
            let (output, status) = try shell("mount -t tmpfs -o size=\(size),mode=0700 tmpfs '\(path)'")
            guard status == 0 else { throw FixtureError(message: "mount tmpfs: \(output)") }
            mounted = true
        }

        func unmount() throws {
            guard mounted else { return }
            let (output, status) = try shell("umount '\(path)'")
            guard status == 0 else { throw FixtureError(message: "umount: \(output)") }
            mounted = false
        }

        deinit { try? unmount() }
    }

    static let canMount = getuid() == 0

    /// The backup fixture with ~8 MiB of incompressible rows, so a snapshot and an archive each
    /// need about that much space; one good archive taken.
    static func fixtureWithArchive() throws -> (BackupFixture, String, Data) {
        let fixture = try BackupFixture()
        _ = try sqlite(
            "\(fixture.shared)/data/demo.db",
            "CREATE TABLE ballast AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000) "
                + "SELECT randomblob(4096) AS b FROM n;")
        let first = try fixture.tradectl(["backup"])
        guard first.status == 0 else { throw FixtureError(message: first.stderr) }
        let name = try #require(fixture.archives().first)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: "\(fixture.backups)/\(name)"))
        return (fixture, name, bytes)
    }

    @Test(
        "backup directory full (at the snapshot, mid-archive): one clear line, the previous archive stays latest, no partial file, health says why; the next backup converges",
        .enabled(if: canMount, "needs root to mount a small tmpfs as the backup directory"),
        arguments: [("snapshot", "12m"), ("archive", "20m")])
    func backupDirectoryFull(stage: String, size: String) throws {
        let (fixture, name, bytes) = try Self.fixtureWithArchive()
        let saved = "\(fixture.dir.path)/\(name)"
        try bytes.write(to: URL(fileURLWithPath: saved))
        let small = try SmallFilesystem(over: fixture.backups, size: size)
        defer { try? small.unmount() }
        try FileManager.default.copyItem(atPath: saved, toPath: "\(fixture.backups)/\(name)")

        let failed = try fixture.tradectl(["backup"])
        #expect(failed.status == 1, "\(stage): \(failed.stdout)\(failed.stderr)")
        let lines = failed.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains("no space left in /var/backups/demo"), "\(failed.stderr)")
        #expect(failed.stderr.contains("run the backup again"), "says what to do: \(failed.stderr)")
        // Nothing partial left, the previous archive byte-identical and still the newest complete one.
        let left = try FileManager.default.contentsOfDirectory(atPath: fixture.backups)
        #expect(left == [name], "\(stage): \(left)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(fixture.backups)/\(name)")) == bytes)
        let list = try fixture.tradectl(["backup", "list", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.count == 1 && (rows.first?["path"] as? String)?.hasSuffix(name) == true, "\(list.stdout)")
        #expect(rows.allSatisfy { $0["status"] as? String == "complete" })
        let health = try fixture.tradectl(["health", "--check", "backup"])
        #expect(health.status == 1, "\(health.stdout)")
        #expect(health.stdout.contains("failed: ") && health.stdout.contains("no space left"), "\(health.stdout)")

        // Space back (the small filesystem goes; the archive is on the real disk again).
        try small.unmount()
        let again = try fixture.tradectl(["backup"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(fixture.archives().count == 2, "\(fixture.archives())")
        let healthy = try fixture.tradectl(["health", "--check", "backup", "--json"])
        #expect(!healthy.stdout.contains("no space left"), "\(healthy.stdout)")
    }
}
