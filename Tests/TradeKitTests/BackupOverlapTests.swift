import Foundation
import Testing

@testable import TradeKit

/// The backup checks each snapshot while compressing it: what that must not change.
@Suite("Backup overlap")
struct BackupOverlapTests {
    /// Overwrites one page in the middle of the live database's `filler` table: SQLite's backup
    /// API copies pages as they are, so the snapshot is taken and only its quick_check fails.
    static func corruptLiveDatabase(_ fixture: BackupFixture) throws {
        let database = "\(fixture.shared)/data/demo.db"
        _ = try sqlite(
            database,
            "CREATE TABLE filler(id INTEGER PRIMARY KEY, text TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 4000) INSERT INTO filler SELECT i, printf('%0200d', i) FROM n; PRAGMA wal_checkpoint(TRUNCATE);"
        )
        let pageSize = Int(try sqlite(database, "PRAGMA page_size")) ?? 4096
        let pages = Int(try sqlite(database, "PRAGMA page_count")) ?? 0
        #expect(pages > 100)
        let handle = try #require(FileHandle(forUpdatingAtPath: database))
        try handle.seek(toOffset: UInt64(pageSize * (pages - 20)))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: pageSize))
        try handle.close()
    }

    @Test(
        "a snapshot that fails quick_check leaves no archive, no leftovers and no `latest`",
        arguments: ["gzip", "zstd"])
    func failedCheckLeavesNothing(compression: String) throws {
        let fixture = try BackupFixture()
        try Self.corruptLiveDatabase(fixture)
        let run = try fixture.tradectl(["backup", "--compression", compression])
        #expect(run.status != 0)
        #expect(run.stderr.contains("quick_check"), "\(run.stderr)")
        let left = (try? FileManager.default.contentsOfDirectory(atPath: fixture.backups)) ?? []
        #expect(left.isEmpty, "left in the backup directory: \(left)")
        let list = try fixture.tradectl(["backup", "list", "--json"])
        let catalog = (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [Any]) ?? []
        #expect(catalog.isEmpty, "\(list.stdout)")
        #expect(try fixture.tradectl(["backup", "verify", "latest"]).status != 0)
    }
}
