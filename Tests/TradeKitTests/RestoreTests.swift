import Foundation
import Testing

@testable import TradeKit

@Suite("Restore")
struct RestoreTests {
    @Test("restore brings back databases and secrets, keeps files outside the backup, drops stale -wal")
    func roundTrip() throws {
        let fixture = try BackupFixture()
        #expect(try fixture.tradectl(["backup"]).status == 0)
        try sqlite("\(fixture.shared)/data/demo.db", "DELETE FROM fills WHERE id > 100")
        _ = fixture.dir.write("root/opt/demo/shared/.env", "API_KEY=rotated\n", mode: 0o600)
        _ = fixture.dir.write("root/opt/demo/shared/data/heartbeat", "now\n")
        _ = fixture.dir.write("root/opt/demo/shared/data/demo.db-wal", "stale wal that must not be replayed")

        let dry = try fixture.tradectl(["restore", "latest", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("~ changed  shared/data/demo.db"))
        #expect(dry.stdout.contains("~ changed  shared/.env"))
        #expect(try sqlite("\(fixture.shared)/data/demo.db", "SELECT count(*) FROM fills") == "100")

        let result = try fixture.tradectl(["restore", "latest", "--yes"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(try sqlite("\(fixture.shared)/data/demo.db", "SELECT count(*) FROM fills") == "500")
        #expect(try sqlite("\(fixture.shared)/data/demo.db", "PRAGMA integrity_check") == "ok")
        // The live database was WAL: it comes back WAL (the archive holds a DELETE-mode copy).
        #expect(try sqlite("\(fixture.shared)/data/demo.db", "PRAGMA journal_mode") == "wal")
        #expect(try String(contentsOfFile: "\(fixture.shared)/.env", encoding: .utf8) == "API_KEY=test-secret-value\n")
        #expect(try String(contentsOfFile: "\(fixture.shared)/data/heartbeat", encoding: .utf8) == "now\n")
        let wal = (try? String(contentsOfFile: "\(fixture.shared)/data/demo.db-wal", encoding: .utf8)) ?? ""
        #expect(wal != "stale wal that must not be replayed")
        // No pre-restore archive: the replaced tree itself is the safety copy, as it was.
        #expect(fixture.archives().count == 1)
        let copies = fixture.safetyCopies()
        #expect(copies.count == 1)
        let copy = try #require(copies.first)
        #expect(try sqlite("\(copy)/shared/data/demo.db", "SELECT count(*) FROM fills") == "100")
        #expect(try String(contentsOfFile: "\(copy)/shared/.env", encoding: .utf8) == "API_KEY=rotated\n")
        // No staging directory is left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: "\(fixture.root)/opt/demo").filter {
            $0.hasPrefix(".restore-")
        }
        #expect(leftovers.isEmpty)

        // The undo puts the replaced files back, and keeps what it replaced in turn.
        let undo = try fixture.tradectl(["restore", "--undo", "--yes"])
        #expect(undo.status == 0, "\(undo.stdout)\(undo.stderr)")
        #expect(undo.stdout.contains("~ changed  shared/data/demo.db"), "\(undo.stdout)")
        #expect(try sqlite("\(fixture.shared)/data/demo.db", "SELECT count(*) FROM fills") == "100")
        #expect(try String(contentsOfFile: "\(fixture.shared)/.env", encoding: .utf8) == "API_KEY=rotated\n")
        #expect(try String(contentsOfFile: "\(fixture.shared)/data/heartbeat", encoding: .utf8) == "now\n")
        #expect(fixture.safetyCopies().count == 2)
        // …so the undo can be undone.
        #expect(try fixture.tradectl(["restore", "--undo", "--yes"]).status == 0)
        #expect(try sqlite("\(fixture.shared)/data/demo.db", "SELECT count(*) FROM fills") == "500")
    }

    @Test("restore keeps backup.keep_pre_restore safety copies, newest first; 0 keeps none")
    func safetyCopyRetention() throws {
        let fixture = try BackupFixture(extra: "keep_pre_restore = 2")
        #expect(try fixture.tradectl(["backup"]).status == 0)
        var seen: [String] = []
        for round in 1...3 {
            _ = fixture.dir.write("root/opt/demo/shared/.env", "API_KEY=round-\(round)\n", mode: 0o600)
            #expect(try fixture.tradectl(["restore", "latest", "--yes"]).status == 0)
            seen = fixture.safetyCopies()
        }
        #expect(seen.count == 2, "\(seen)")
        let kept = try seen.map { try String(contentsOfFile: "\($0)/shared/.env", encoding: .utf8) }
        #expect(kept == ["API_KEY=round-2\n", "API_KEY=round-3\n"])

        let none = try BackupFixture(extra: "keep_pre_restore = 0")
        #expect(try none.tradectl(["backup"]).status == 0)
        #expect(try none.tradectl(["restore", "latest", "--yes"]).status == 0)
        #expect(none.safetyCopies().isEmpty)
        let undo = try none.tradectl(["restore", "--undo", "--yes"])
        #expect(undo.status == 1, "\(undo.stdout)\(undo.stderr)")
        #expect(undo.stderr.contains("no safety copy"), "\(undo.stderr)")
    }

    @Test("--dry-run verifies the whole archive and creates nothing: no staging tree, no safety copy")
    func dryRunIsPure() throws {
        let fixture = try BackupFixture()
        #expect(try fixture.tradectl(["backup"]).status == 0)
        let before = try shell("cd '\(fixture.root)' && find . | sort && find . -type f | sort | xargs sha256sum").0
        let dry = try fixture.tradectl(["restore", "latest", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("= same") || dry.stdout.contains("dry run"), "\(dry.stdout)")
        let after = try shell("cd '\(fixture.root)' && find . | sort && find . -type f | sort | xargs sha256sum").0
        #expect(before == after)
    }

    @Test("on a fresh host (no shared/, no state, no backups) restore builds shared/ from the archive alone")
    func freshHost() throws {
        let fixture = try BackupFixture()
        #expect(try fixture.tradectl(["backup"]).status == 0)
        let name = try #require(fixture.archives().first)
        let saved = "\(fixture.dir.path)/\(name)"
        try FileManager.default.copyItem(atPath: "\(fixture.backups)/\(name)", toPath: saved)
        // The host is lost: project root, state and backups gone; only the config is left.
        for path in ["opt/demo", "var/lib/tradectl", "var/backups"] {
            try FileManager.default.removeItem(atPath: "\(fixture.root)/\(path)")
        }
        let dry = try fixture.tradectl(["restore", saved, "--dry-run"])
        #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
        #expect(dry.stdout.contains("+ added    shared/data/demo.db"), "\(dry.stdout)")
        #expect(dry.stdout.contains("fresh host"), "\(dry.stdout)")
        for path in ["opt/demo", "var/lib/tradectl", "etc/sysusers.d/tradectl-demo.conf"] {
            #expect(
                !FileManager.default.fileExists(atPath: "\(fixture.root)/\(path)"), "a dry run creates nothing: \(path)"
            )
        }

        let result = try fixture.tradectl(["restore", saved, "--yes"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(try sqlite("\(fixture.shared)/data/demo.db", "SELECT count(*) FROM fills") == "500")
        #expect(try String(contentsOfFile: "\(fixture.shared)/.env", encoding: .utf8) == "API_KEY=test-secret-value\n")
        #expect(fixture.archives().isEmpty, "nothing live: no pre-restore backup")
        let left = try FileManager.default.contentsOfDirectory(atPath: "\(fixture.root)/opt/demo")
        #expect(left == ["shared"], "\(left)")
        // Deploy then installs the rest over the restored data, which it keeps.
        let deploy = try fixture.tradectl(["deploy"])
        #expect(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")
        #expect(try sqlite("\(fixture.shared)/data/demo.db", "SELECT count(*) FROM fills") == "500")
    }

    @Test("--only restores just the named path")
    func only() throws {
        let fixture = try BackupFixture()
        #expect(try fixture.tradectl(["backup"]).status == 0)
        try sqlite("\(fixture.shared)/data/demo.db", "DELETE FROM fills")
        _ = fixture.dir.write("root/opt/demo/shared/.env", "API_KEY=rotated\n", mode: 0o600)
        let result = try fixture.tradectl(["restore", "latest", "--yes", "--only", ".env"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOfFile: "\(fixture.shared)/.env", encoding: .utf8) == "API_KEY=test-secret-value\n")
        #expect(try sqlite("\(fixture.shared)/data/demo.db", "SELECT count(*) FROM fills") == "0")
    }

    @Test("without --yes and without a terminal, restore refuses")
    func needsYes() throws {
        let fixture = try BackupFixture()
        #expect(try fixture.tradectl(["backup"]).status == 0)
        let result = try fixture.tradectl(["restore", "latest"])
        #expect(result.status == 64)
    }

    @Test(
        "hostile and corrupt archives are refused before anything live changes", arguments: HostileArchiveTests.refused)
    func hostile(name: String) throws {
        let fixture = try BackupFixture(extra: "max_entry_mib = 16\nmax_entries = 10000")
        let archive = "\(HostileArchiveTests.archives)/\(name).tar.gz"
        // The project tree, every path and every byte (the state database is left out: the
        // refused attempt is audited there).
        let tree = "cd '\(fixture.root)/opt' && find . | sort && find . -type f | sort | xargs sha256sum"
        let before = try shell(tree).0
        let result = try fixture.tradectl(["restore", archive, "--yes"])
        #expect(result.status == 65, "\(name): \(result.stdout)\(result.stderr)")
        let after = try shell(tree).0
        #expect(before == after, "\(name) changed files, or left a staging tree")
        #expect(fixture.safetyCopies().isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/tradectl-absolute-escape.txt"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/tradectl-written-through.txt"))
    }
}
