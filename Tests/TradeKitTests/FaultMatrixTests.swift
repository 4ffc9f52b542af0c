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

    /// What a state-database fault must leave alone: the archives, byte for byte.
    static func archiveBytes(_ fixture: BackupFixture) throws -> [String: Data] {
        var result: [String: Data] = [:]
        for name in fixture.archives() {
            result[name] = try Data(contentsOf: URL(fileURLWithPath: "\(fixture.backups)/\(name)"))
        }
        return result
    }

    @Test(
        "state database damaged (truncated, overwritten, deleted): one clear line, archives untouched; moved aside, the next backup converges and catalogues the archives on disk",
        arguments: ["truncated", "overwritten", "deleted"])
    func stateDatabaseDamaged(damage: String) throws {
        let fixture = try BackupFixture()
        #expect(try fixture.tradectl(["backup"]).status == 0)
        let before = try Self.archiveBytes(fixture)
        let state = "\(fixture.root)/var/lib/tradectl/demo/state.db"
        _ = try sqlite(state, "PRAGMA wal_checkpoint(TRUNCATE)")
        var bytes = try Data(contentsOf: URL(fileURLWithPath: state))
        switch damage {
        case "truncated": bytes = bytes.prefix(4096)
        case "overwritten": bytes.replaceSubrange(0..<100, with: Data(repeating: 0x41, count: 100))
        default: try FileManager.default.removeItem(atPath: state)
        }
        if damage != "deleted" { try bytes.write(to: URL(fileURLWithPath: state)) }

        let backup = try fixture.tradectl(["backup"])
        if damage == "deleted" {
            // A missing state database is a new host's: created, nothing to say.
            #expect(backup.status == 0, "\(backup.stderr)")
        } else {
            #expect(backup.status == 1, "\(damage): \(backup.stdout)\(backup.stderr)")
            let lines = backup.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains("is damaged"), "\(backup.stderr)")
            #expect(backup.stderr.contains("mv \(state) \(state).damaged"), "says what to do: \(backup.stderr)")
            #expect(try Self.archiveBytes(fixture) == before, "archives untouched")
            for command in [["audit"], ["deploy"], ["health", "--check", "backup"]] {
                let result = try fixture.tradectl(command)
                #expect(
                    result.stderr.contains("is damaged") || result.stdout.contains("is damaged"),
                    "\(command): \(result.stdout)\(result.stderr)")
            }
            // The fault removed as the line says: the next run converges by itself.
            try FileManager.default.moveItem(atPath: state, toPath: "\(state).damaged")
            let again = try fixture.tradectl(["backup"])
            #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        }
        // The archives already on disk are back in the catalog (retention and `latest` count them).
        let list = try fixture.tradectl(["backup", "list", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        let listed = Set(rows.compactMap { ($0["path"] as? String).map { ($0 as NSString).lastPathComponent } })
        #expect(listed == Set(fixture.archives()), "\(list.stdout)")
        #expect(Set(before.keys).isSubset(of: listed))
        #expect(try fixture.tradectl(["backup", "verify", "latest"]).status == 0)
    }

    @Test(
        "state database held locked by another process: exit 75 naming the file and what to do; then the next backup converges"
    )
    func stateDatabaseLocked() throws {
        let fixture = try BackupFixture()
        #expect(try fixture.tradectl(["backup"]).status == 0)
        let before = try Self.archiveBytes(fixture)
        let state = "\(fixture.root)/var/lib/tradectl/demo/state.db"
        let ready = "\(fixture.dir.path)/locked"
        // A real second process holding a write transaction (as `sqlite3` left open would).
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = [
            "-c",
            "import sqlite3, sys, time\nc = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
                + "c.execute('BEGIN EXCLUSIVE')\nc.execute('CREATE TABLE IF NOT EXISTS held(x)')\n"
                + "open(sys.argv[2], 'w').close()\ntime.sleep(15)\n",
            state, ready,
        ]
        try holder.run()
        defer { if holder.isRunning { holder.terminate() } }
        for _ in 0..<200 where !FileManager.default.fileExists(atPath: ready) { usleep(50_000) }
        try #require(FileManager.default.fileExists(atPath: ready), "the lock holder did not start")

        let backup = try fixture.tradectl(["backup"])
        #expect(backup.status == 75, "\(backup.stdout)\(backup.stderr)")
        #expect(
            backup.stderr.contains("stayed locked by another process") && backup.stderr.contains("fuser"),
            "\(backup.stderr)")
        #expect(try Self.archiveBytes(fixture) == before)
        let left = try FileManager.default.contentsOfDirectory(atPath: fixture.backups).filter { $0.hasPrefix(".") }
        #expect(left.isEmpty, "\(left)")

        // The holder lets go (its 15 s end: signals are not what this row is about).
        holder.waitUntilExit()
        let again = try fixture.tradectl(["backup"])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(fixture.archives().count == before.count + 1)
    }
}
