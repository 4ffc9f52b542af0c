import Foundation
import Testing
@testable import TradeKit

@Suite("Backup freshness")
struct BackupFreshnessTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let maxAge = ConfigDuration(parsing: "26h")!

    func status(catalog: [CatalogEntry] = [], deployedAgo: TimeInterval?) async -> (HealthStatus, String) {
        let check = BackupFreshnessCheck(
            timeout: .seconds(1), catalog: catalog, maxAge: maxAge, now: now,
            deployedAt: deployedAgo.map { now.addingTimeInterval(-$0) })
        let result = await check.run()[0]
        return (result.status, result.summary)
    }

    func entry(ago: TimeInterval, verified: Bool) -> CatalogEntry {
        CatalogEntry(
            path: "/b/p-1.tar.gz", size: 1, sha256: "x", created: now.addingTimeInterval(-ago), durationMilliseconds: 1,
            compression: "gzip", status: "complete", verifiedAt: verified ? now.addingTimeInterval(-ago + 5) : nil)
    }

    @Test("no backup yet: OK within backup_max_age of the first deploy, critical after, warning with no deploy record")
    func noBackupYet() async {
        let fresh = await status(deployedAgo: 3600)
        #expect(fresh.0 == .ok, "\(fresh.1)")
        #expect(fresh.1.contains("no backup yet"))
        #expect(await status(deployedAgo: 27 * 3600).0 == .critical)
        #expect(await status(deployedAgo: nil).0 == .warning)
    }

    @Test("a fresh verified archive is OK; unverified is a warning; too old is critical")
    func withArchives() async {
        #expect(await status(catalog: [entry(ago: 600, verified: true)], deployedAgo: 3600).0 == .ok)
        #expect(await status(catalog: [entry(ago: 600, verified: false)], deployedAgo: 3600).0 == .warning)
        #expect(await status(catalog: [entry(ago: 30 * 3600, verified: true)], deployedAgo: 40 * 3600).0 == .critical)
    }
}
