import Foundation
import Testing

@testable import TradeKit

@Suite("Backup")
struct BackupTests {
    @Test(
        "an archive GNU tar reads, byte-identical to the manifest, with a database sqlite3 opens",
        arguments: ["gzip", "zstd"])
    func archiveInterop(compression: String) throws {
        let fixture = try BackupFixture()
        let result = try fixture.tradectl(["backup", "--compression", compression])
        #expect(result.status == 0, "\(result.stderr)")
        let name = try #require(fixture.archives().first)
        #expect(name.hasSuffix(compression == "gzip" ? ".tar.gz" : ".tar.zst"))
        let path = "\(fixture.backups)/\(name)"
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let out = "\(fixture.dir.path)/extracted"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let flags = compression == "gzip" ? "xzf" : "--zstd -xf"
        let (tarOutput, tarStatus) = try shell("tar \(flags) '\(path)'", in: out)
        #expect(tarStatus == 0, "\(tarOutput)")
        let manifest = try BackupManifest.decode(try Data(contentsOf: URL(fileURLWithPath: "\(out)/MANIFEST.json")))
        #expect(manifest.project == "demo")
        #expect(
            Set(manifest.files.map(\.path)).isSuperset(of: [
                "shared/data/demo.db", "shared/.env", "shared/data/prices.csv", "config/tradectl.toml",
            ]))
        for file in manifest.files {
            let (sum, _) = try shell("sha256sum '\(out)/\(file.path)' | cut -d' ' -f1")
            #expect(sum.trimmingCharacters(in: .whitespacesAndNewlines) == file.sha256, "\(file.path)")
        }
        #expect(try sqlite("\(out)/shared/data/demo.db", "PRAGMA integrity_check") == "ok")
        #expect(try sqlite("\(out)/shared/data/demo.db", "SELECT count(*) FROM fills") == "500")
        // Never the live -wal/-shm files.
        #expect(!manifest.files.contains { $0.path.hasSuffix("-wal") || $0.path.hasSuffix("-shm") })
        let env = try FileManager.default.attributesOfItem(atPath: "\(out)/shared/.env")[.posixPermissions] as? Int
        #expect(env == 0o600)
    }

    @Test("verify checks every file, records verified-at; list shows it")
    func verifyAndList() throws {
        let fixture = try BackupFixture()
        #expect(try fixture.tradectl(["backup"]).status == 0)
        let verify = try fixture.tradectl(["backup", "verify", "latest"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("shared/data/demo.db: sha256 ok, integrity_check: ok"))
        let list = try fixture.tradectl(["backup", "list", "--json"])
        let entries = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]
        #expect(entries?.count == 1)
        #expect(entries?.first?["verified_at"] is String)
        #expect(entries?.first?["status"] as? String == "complete")
    }

    @Test("a dry run plans the archive and writes nothing")
    func dryRun() throws {
        let fixture = try BackupFixture()
        let result = try fixture.tradectl(["backup", "--dry-run", "--json"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"type\" : \"archive\""))
        #expect(fixture.archives().isEmpty)
    }

    @Test("retention prunes beyond keep_last but never the newest verified archive")
    func retention() throws {
        let fixture = try BackupFixture(extra: "keep_last = 2\nkeep_daily = 0\nkeep_weekly = 0\nkeep_monthly = 0")
        #expect(try fixture.tradectl(["backup"]).status == 0)
        #expect(try fixture.tradectl(["backup", "verify", "latest"]).status == 0)
        let verified = try #require(fixture.archives().first)
        for _ in 0..<3 {
            sleep(1)  // archive names carry seconds
            #expect(try fixture.tradectl(["backup"]).status == 0)
        }
        let kept = fixture.archives()
        #expect(kept.count == 3, "\(kept)")  // the 2 newest + the verified one
        #expect(kept.contains(verified))
        let list = try fixture.tradectl(["backup", "list", "--json"])
        let entries = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]
        #expect(entries?.count == 3)
        let prune = try fixture.tradectl(["backup", "prune", "--dry-run"])
        #expect(prune.stdout.contains("0 changes") || prune.stdout.contains("nothing to do"))
    }
}
