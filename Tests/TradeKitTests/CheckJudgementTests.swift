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

@Suite("Unit check")
struct UnitCheckTests {
    func status(_ name: String, _ active: String, _ sub: String) -> UnitStatus {
        UnitStatus(
            name: name, loadState: "loaded", activeState: active, subState: sub, result: "success", restarts: 0,
            mainPID: active == "active" ? 42 : 0, unitFileState: "enabled")
    }

    @Test("a service stopping while its daily-restart helper runs is the planned restart; without it, critical")
    func plannedRestart() {
        var check = UnitCheck(
            timeout: .seconds(1), services: [], manager: Systemctl(scope: .system), previousRestarts: [:])
        check.restartHelpers["v6-trading.service"] = "v6-trading-restart.service"
        let engine = (component: "trading", unit: "v6-trading.service")
        let stopping = status("v6-trading.service", "deactivating", "stop-sigterm")
        let planned = check.judge(
            engine,
            statuses: [
                "v6-trading.service": stopping,
                "v6-trading-restart.service": status("v6-trading-restart.service", "activating", "start"),
            ])
        #expect(planned.status == .ok, "\(planned.summary)")
        #expect(planned.summary.contains("planned restart"))
        let helperDone = check.judge(
            engine,
            statuses: [
                "v6-trading.service": stopping,
                "v6-trading-restart.service": status("v6-trading-restart.service", "inactive", "dead"),
            ])
        #expect(helperDone.status == .critical)
        let dashboard = check.judge(
            (component: "dashboard", unit: "v6-dashboard.service"),
            statuses: ["v6-dashboard.service": status("v6-dashboard.service", "inactive", "dead")])
        #expect(dashboard.status == .critical)
        let running = check.judge(
            engine, statuses: ["v6-trading.service": status("v6-trading.service", "active", "running")])
        #expect(running.status == .ok)
    }
}

@Suite("Disk check")
struct DiskCheckTests {
    @Test("used percent is df's: reserved blocks count as neither used nor available")
    func usedLikeDF() async throws {
        // The figures of this machine's / : 66053021 blocks, 60922709 free, 19636091 available → df says 21%.
        #expect(
            Int(DiskCheck.usedPercent(blocks: 66_053_021, free: 60_922_709, available: 19_636_091).rounded(.up)) == 21)
        #expect(DiskCheck.usedPercent(blocks: 100, free: 100, available: 95) == 0)
        #expect(DiskCheck.usedPercent(blocks: 100, free: 5, available: 0) == 100)
        // Against df itself on the filesystem the tests run on.
        let (output, status) = try shell("df --output=pcent / | tail -1")
        #expect(status == 0)
        let dfPercent = Double(output.trimmingCharacters(in: .whitespacesAndNewlines).dropLast()) ?? -1
        var stats = statvfs()
        #expect(statvfs("/", &stats) == 0)
        let ours = DiskCheck.usedPercent(blocks: stats.f_blocks, free: stats.f_bfree, available: stats.f_bavail)
        #expect(abs(ours.rounded(.up) - dfPercent) <= 1, "ours \(ours), df \(dfPercent)")
    }
}
