import Foundation
import Testing

@testable import TradeKit

/// `tradectl db` on real SQLite files under a `--root` deploy, cross-checked with the sqlite3 CLI.
@Suite("db check, optimize, vacuum")
struct DatabaseTests {
    /// A second, non-WAL database with an index, so page damage shows up in integrity_check.
    static func fixture() throws -> BackupFixture {
        let fixture = try BackupFixture()
        let config = try String(contentsOfFile: fixture.config, encoding: .utf8)
            .replacingOccurrences(
                of: "databases = [\"data/demo.db\"]", with: "databases = [\"data/demo.db\", \"data/ledger.db\"]")
        try config.write(toFile: fixture.config, atomically: true, encoding: .utf8)
        try sqlite(
            "\(fixture.shared)/data/ledger.db",
            "CREATE TABLE ledger(id INTEGER PRIMARY KEY, account TEXT, amount REAL); CREATE INDEX ledger_account ON ledger(account); "
                + "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 3000) "
                + "INSERT INTO ledger SELECT i, 'acct-' || (i % 97), i * 1.5 FROM n;")
        return fixture
    }

    @Test("check: all ok exits 0; JSON per database")
    func checkOK() throws {
        let fixture = try Self.fixture()
        let text = try fixture.tradectl(["db", "check"])
        #expect(text.status == 0, "\(text.stdout)\(text.stderr)")
        #expect(text.stdout.contains("2 databases: all ok"), "\(text.stdout)")
        let json = try fixture.tradectl(["db", "check", "ledger", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["ok"] as? Bool == true)
        let databases = try #require(object["databases"] as? [[String: Any]])
        #expect(databases.map { $0["name"] as? String } == ["data/ledger.db"])
        #expect(databases.first?["status"] as? String == "ok")
    }

    @Test("check: a damaged index page exits 65 and names the problem, as sqlite3 does")
    func checkCorrupt() throws {
        let fixture = try Self.fixture()
        let ledger = "\(fixture.shared)/data/ledger.db"
        let page = try #require(
            Int(try sqlite(ledger, "SELECT rootpage FROM sqlite_master WHERE name = 'ledger_account'")))
        let pageSize = try #require(Int(try sqlite(ledger, "PRAGMA page_size")))
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: ledger))
        try handle.seek(toOffset: UInt64((page - 1) * pageSize + 8))
        handle.write(Data((0..<(pageSize / 2)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }))
        try handle.close()
        #expect(try sqlite(ledger, "PRAGMA integrity_check") != "ok", "the damage is visible to sqlite3")

        let result = try fixture.tradectl(["db", "check"])
        #expect(result.status == 65, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("ok       data/demo.db"), "\(result.stdout)")
        #expect(result.stdout.contains("CORRUPT  data/ledger.db"), "\(result.stdout)")
        #expect(result.stdout.contains("1 of 2 databases with problems"))
        let json = try fixture.tradectl(["db", "check", "--json"])
        #expect(json.status == 65)
        #expect(json.stdout.contains("\"ok\" : false"))
    }

    @Test("check: a file that is no database, and a missing one, exit 65; an unknown NAME exits 64")
    func checkNotADatabase() throws {
        let fixture = try Self.fixture()
        try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: "\(fixture.shared)/data/ledger.db"))
        let garbage = try fixture.tradectl(["db", "check", "ledger.db"])
        #expect(garbage.status == 65, "\(garbage.stdout)\(garbage.stderr)")
        try FileManager.default.removeItem(atPath: "\(fixture.shared)/data/ledger.db")
        let missing = try fixture.tradectl(["db", "check", "data/ledger.db"])
        #expect(missing.status == 65)
        #expect(missing.stdout.contains("MISSING"), "\(missing.stdout)")
        let unknown = try fixture.tradectl(["db", "check", "nope"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("configured: data/demo.db, data/ledger.db"), "\(unknown.stderr)")
    }

    @Test("vacuum: dry-run changes nothing; vacuum shrinks, keeps every row and WAL mode, and is audited")
    func vacuum() throws {
        let fixture = try Self.fixture()
        let demo = "\(fixture.shared)/data/demo.db"
        try sqlite(
            demo,
            "CREATE TABLE blobs(id INTEGER PRIMARY KEY, b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 400) "
                + "INSERT INTO blobs SELECT i, randomblob(4000) FROM n; DELETE FROM blobs WHERE id > 20; PRAGMA wal_checkpoint(TRUNCATE);"
        )
        let size = { (try? FileManager.default.attributesOfItem(atPath: demo)[.size] as? Int) ?? 0 }
        let before = size()

        let dry = try fixture.tradectl(["db", "vacuum", "demo", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(
            dry.stdout.contains("sqlite.vacuum") && dry.stdout.contains("/opt/demo/shared/data/demo.db"),
            "\(dry.stdout)")
        #expect(dry.stdout.contains("in free pages"))
        #expect(size() == before)

        let result = try fixture.tradectl(["db", "vacuum", "demo"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("data/demo.db:") && result.stdout.contains("→"), "\(result.stdout)")
        #expect(size() < before / 2, "\(before) → \(size())")
        #expect(try sqlite(demo, "PRAGMA integrity_check") == "ok")
        #expect(try sqlite(demo, "SELECT count(*) FROM fills") == "500")
        #expect(try sqlite(demo, "SELECT count(*) FROM blobs") == "20")
        #expect(try sqlite(demo, "PRAGMA journal_mode") == "wal")
        let audit = try fixture.tradectl(["audit", "--json"])
        #expect(audit.stdout.contains("\"command\" : \"db vacuum demo\""), "\(audit.stdout)")
        #expect(audit.stdout.contains("success: data/demo.db:"))
    }

    @Test("vacuum of a database another process holds a write lock on: reported locked, exit 75, left intact")
    func vacuumLocked() throws {
        let fixture = try Self.fixture()
        let demo = "\(fixture.shared)/data/demo.db"
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        holder.arguments = [
            "-c",
            """
            import sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO fills VALUES (100000, 1)")
            print("locked", flush=True)
            sys.stdin.read()
            db.execute("ROLLBACK")
            """,
            demo,
        ]
        let output = Pipe()
        let input = Pipe()
        holder.standardOutput = output
        holder.standardInput = input
        try holder.run()
        defer {
            try? input.fileHandleForWriting.close()
            holder.waitUntilExit()
        }
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        try #require(line.contains("locked"))

        let result = try fixture.tradectl(["db", "vacuum", "demo", "--busy-timeout", "1s"])
        #expect(result.status == 75, "\(result.stdout)\(result.stderr)")
        #expect(
            result.stdout.contains("LOCKED") && result.stdout.contains("locked by another process"), "\(result.stdout)")
        try input.fileHandleForWriting.close()
        holder.waitUntilExit()
        #expect(try sqlite(demo, "PRAGMA integrity_check") == "ok")
        #expect(try sqlite(demo, "SELECT count(*) FROM fills") == "500")
        let audit = try fixture.tradectl(["audit", "--json"])
        #expect(audit.stdout.contains("failed: data/demo.db: locked"), "\(audit.stdout)")
    }

    @Test("optimize runs on every database and is audited; a held project lock exits 75")
    func optimize() throws {
        let fixture = try Self.fixture()
        let result = try fixture.tradectl(["db", "optimize"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("ok       data/demo.db") && result.stdout.contains("ok       data/ledger.db"))
        let lock = try ProjectLock(path: "\(fixture.root)/var/lib/tradectl/demo/tradectl.lock", command: "deploy")
        let blocked = try fixture.tradectl(["db", "optimize"])
        #expect(blocked.status == 75, "\(blocked.stderr)")
        withExtendedLifetime(lock) {}
        let audit = try AuditLog(
            layout: DeployLayout(try ConfigLoader(environment: [:]).load(path: fixture.config).0, environment: [:]),
            fileSystem: RootedFileSystem(root: fixture.root)
        ).entries()
        #expect(audit.last?.command == "db optimize")
        #expect(audit.last?.result.hasPrefix("success: data/demo.db:") == true)
    }
}
