import Foundation
import Testing

@testable import TradeKit

/// kill -9 at every fail point of backup and of restore.
@Suite("Backup and restore crash consistency")
struct BackupCrashTests {
    static func fixture() throws -> BackupFixture {
        let fixture = try BackupFixture(extra: "keep_last = 100")
        for index in 0..<14 { _ = fixture.dir.write("root/opt/demo/shared/data/prices-\(index).csv", "SPY,\(index)\n") }
        return fixture
    }

    static func fixtureConfigWithDataDir(_ fixture: BackupFixture) throws {
        let text = try String(contentsOfFile: fixture.config, encoding: .utf8)
            .replacingOccurrences(of: "paths = [\".env\", \"data/prices.csv\"]", with: "paths = [\".env\", \"data\"]")
        try text.write(toFile: fixture.config, atomically: true, encoding: .utf8)
    }

    @Test("SIGKILL during backup: no incomplete file under a final name; catalog and disk agree after the next run")
    func killBackup() throws {
        let fixture = try Self.fixture()
        try Self.fixtureConfigWithDataDir(fixture)
        var killed = 0
        for point in 1..<300 {
            let run = try fixture.tradectl(["backup"], environment: ["TRADECTL_CRASH_AT": "\(point)"])
            if run.status == 0 { break }
            killed += 1
            for name in fixture.archives() {
                let (output, status) = try shell("tar tzf '\(fixture.backups)/\(name)' > /dev/null")
                #expect(status == 0, "point \(point): \(name) is incomplete: \(output)")
            }
            sleep(1)  // next archive name differs
            let next = try fixture.tradectl(["backup"])
            #expect(next.status == 0, "point \(point): \(next.stderr)")
            let list = try fixture.tradectl(["backup", "list", "--json"])
            let catalog = (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]) ?? []
            let catalogued = Set(
                catalog.compactMap { ($0["path"] as? String).map { ($0 as NSString).lastPathComponent } })
            #expect(
                catalogued == Set(fixture.archives()),
                "point \(point): catalog \(catalogued) vs disk \(fixture.archives())")
            #expect(catalog.allSatisfy { $0["status"] as? String == "complete" })
            let hidden = try FileManager.default.contentsOfDirectory(atPath: fixture.backups).filter {
                $0.hasPrefix(".")
            }
            #expect(hidden.isEmpty, "point \(point): leftovers \(hidden)")
        }
        print("backup crash consistency: killed at \(killed) fail points")
        #expect(killed >= 20)
    }

    @Test("SIGKILL during restore: data wholly old or wholly new; a re-run succeeds")
    func killRestore() throws {
        let fixture = try Self.fixture()
        try Self.fixtureConfigWithDataDir(fixture)
        #expect(try fixture.tradectl(["backup"]).status == 0)
        let archive = try #require(fixture.archives().first)
        func state() throws -> String {
            let rows = try sqlite("\(fixture.shared)/data/demo.db", "SELECT count(*) FROM fills")
            let env = (try? String(contentsOfFile: "\(fixture.shared)/.env", encoding: .utf8)) ?? "missing"
            let csv = (try? String(contentsOfFile: "\(fixture.shared)/data/prices-7.csv", encoding: .utf8)) ?? "missing"
            return "\(rows)|\(env)|\(csv)"
        }
        let new = try state()
        var killed = 0
        for point in 1..<300 {
            // The "old" live state: every restored file differs from the archive.
            try sqlite("\(fixture.shared)/data/demo.db", "DELETE FROM fills WHERE id > 7")
            _ = fixture.dir.write("root/opt/demo/shared/.env", "API_KEY=old\n", mode: 0o600)
            _ = fixture.dir.write("root/opt/demo/shared/data/prices-7.csv", "OLD\n")
            let old = try state()
            let run = try fixture.tradectl(
                ["restore", "\(fixture.backups)/\(archive)", "--yes"], environment: ["TRADECTL_CRASH_AT": "\(point)"])
            if run.status == 0 { break }
            killed += 1
            let now = try state()
            #expect(now == old || now == new, "point \(point): mixed state \(now)")
            let again = try fixture.tradectl(["restore", "\(fixture.backups)/\(archive)", "--yes"])
            #expect(again.status == 0, "point \(point): re-run failed: \(again.stdout) \(again.stderr)")
            #expect(try state() == new)
        }
        print("restore crash consistency: killed at \(killed) fail points")
        #expect(killed >= 20)
    }
}
