import Foundation
import Testing

@testable import TradeKit

@Suite("Databases not created yet")
struct NotCreatedYetTests {
    func sqliteStatus(_ fixture: BackupFixture) throws -> String? {
        let result = try fixture.tradectl(["health", "--check", "sqlite", "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let results = report?["results"] as? [[String: Any]]
        return results?.first { $0["target"] as? String == "data/demo.db" }?["status"] as? String
    }

    @Test(
        "a database no archive ever held is skipped while missing; once backed up, losing it fails the backup and health"
    )
    func lifecycle() throws {
        let fixture = try BackupFixture()
        let db = "\(fixture.shared)/data/demo.db"
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        // Before the batch job ever ran: the backup succeeds without it and says so; health is OK.
        let dry = try fixture.tradectl(["backup", "--dry-run", "--verify"])
        #expect(dry.stdout.contains("data/demo.db does not exist yet"), "\(dry.stdout)")
        #expect(dry.stdout.contains("read back as `backup verify` does"), "\(dry.stdout)")
        let first = try fixture.tradectl(["backup", "--verify"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("verified"))
        #expect(try sqliteStatus(fixture) == "ok")
        // The job creates it; the next backup holds it.
        try sqlite(db, "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        let second = try fixture.tradectl(["backup"])
        #expect(second.status == 0, "\(second.stderr)")
        // Now it vanishes: that is data loss, not a fresh install.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        let third = try fixture.tradectl(["backup"])
        #expect(third.status != 0)
        #expect(third.stderr.contains("does not exist"), "\(third.stderr)")
        #expect(try sqliteStatus(fixture) == "critical")
    }
}
