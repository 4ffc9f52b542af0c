import Foundation
import Testing

@testable import TradeKit

/// The backup checks each snapshot while compressing it, and compresses zstd itself: what
/// that must not change.
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

    @Test("zstd with two workers over several jobs and writeback chunks: GNU tar reads back every byte")
    func multiJobZstd() throws {
        let dir = TempDir("tradectl-zstd")
        // Incompressible, so the archive itself crosses several 8 MiB writeback chunks.
        var generator = SystemRandomNumberGenerator()
        var words = [UInt64](repeating: 0, count: (20 << 20) / 8)
        for index in words.indices { words[index] = generator.next() }
        let payload = words.withUnsafeBytes { Data($0) }
        let path = "\(dir.path)/out.tar.zst"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        #expect(descriptor >= 0)
        let output = ArchiveOutput(descriptor: descriptor)
        let writer = try ArchiveWriter(output: output, compression: .zstd, threads: 2)
        try payload.withUnsafeBytes { bytes in
            var offset = 0
            try writer.addFile(path: "payload.bin", size: bytes.count, mode: 0o600, modified: Date()) { buffer in
                let count = min(buffer.count, bytes.count - offset)
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]))
                offset += count
                return count
            }
        }
        try writer.close()
        #expect(fsync(descriptor) == 0)
        close(descriptor)
        #expect(output.bytes > 20 << 20)
        let (archiveSum, _) = try shell("sha256sum '\(path)' | cut -d' ' -f1")
        #expect(archiveSum.trimmingCharacters(in: .whitespacesAndNewlines) == output.digest())
        try payload.write(to: URL(fileURLWithPath: "\(dir.path)/payload.bin"))
        let (compared, status) = try shell("tar --zstd -xOf '\(path)' payload.bin | cmp - '\(dir.path)/payload.bin'")
        #expect(status == 0, "\(compared)")
        let (_, check) = try shell("zstd -tq '\(path)'")
        #expect(check == 0)
    }
}
