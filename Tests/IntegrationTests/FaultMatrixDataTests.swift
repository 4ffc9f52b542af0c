import Foundation
import Testing

@testable import TradeKit

extension RealSystemd {
    /// The fault-matrix row "data filesystem full" (docs/reliability.md): a small tmpfs mounted
    /// as the project root of a project of its own ("fdata": one service, one SQLite database,
    /// an env file; no ports), filled to the last block, under `deploy`, `update`, `secrets set`,
    /// `db vacuum` and `restore`. The state DB and the backups live outside it, as on a host
    /// whose data disk is not its system disk.
    @Suite(
        "Fault matrix: data filesystem full",
        .enabled(if: Harness.available && getuid() == 0, "run as root under scripts/systemd-harness.sh"),
        .serialized)
    struct FaultMatrixDataTests {
        static let project = "fdata"
        let dir: String
        let scratch: ScratchDeployment
        var root: String { "\(scratch.base)/opt/\(Self.project)" }
        var filler: String { "\(root)/.filler" }

        init() throws {
            dir = NSTemporaryDirectory() + "tradectl-it-fdata-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try? FileManager.default.removeItem(atPath: dir)
            for version in ["app", "app2"] {
                try FileManager.default.createDirectory(atPath: "\(dir)/\(version)", withIntermediateDirectories: true)
                try "import time\nwhile True:\n    time.sleep(1)\n".write(
                    toFile: "\(dir)/\(version)/engine.py", atomically: true, encoding: .utf8)
                // 4 MiB, so a release does not fit in the 2 MiB a nearly full filesystem has left.
                try Data(count: 4 << 20).write(to: URL(fileURLWithPath: "\(dir)/\(version)/model.bin"))
                try "\(version)\n".write(toFile: "\(dir)/\(version)/VERSION", atomically: true, encoding: .utf8)
            }
            try """
            [project]
            name = "\(Self.project)"
            environment = "paper"

            [releases]
            source = "app"
            keep = 3
            shared = ["data/", ".env"]
            exclude = ["data"]

            [[components]]
            name = "engine"
            kind = "service"
            exec = "/usr/bin/python3 engine.py"
            env_file = ".env"
            restart = "on-failure"
            stop_timeout = "5s"

            [backup]
            databases = ["data/fdata.db"]
            paths = [".env"]

            [preflight]
            # The 16 MiB filesystem is the point; the pre-flight still refuses one with nothing free.
            min_free_disk_mib = 1

            """.write(toFile: "\(dir)/tradectl.toml", atomically: true, encoding: .utf8)
            scratch = ScratchDeployment(name: Self.project, config: "\(dir)/tradectl.toml")
        }

        /// Fills the filesystem up to `leaving` bytes: to its last block (dd stops at ENOSPC),
        /// then frees what is to be left.
        func fill(leaving: Int = 0) throws {
            _ = try Harness.run("/bin/sh", ["-c", "dd if=/dev/zero of='\(filler)' bs=64k 2>/dev/null; sync"])
            if leaving > 0 {
                let size = try FileManager.default.attributesOfItem(atPath: filler)[.size] as? Int ?? 0
                _ = try Harness.run("/usr/bin/truncate", ["-s", "\(size - leaving)", filler])
            }
            let free = try Harness.run("/bin/sh", ["-c", "df --output=avail -B1 '\(root)' | tail -1"])
            let available = Int(free.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            try #require(available >= leaving && available < leaving + (256 << 10), "\(free.stdout)")
        }

        func unfill() throws { try FileManager.default.removeItem(atPath: filler) }

        /// Every file and link under the project root but the filler: path → bytes (a link: its target).
        func tree() throws -> [String: Data] {
            var result: [String: Data] = [:]
            let enumerator = FileManager.default.enumerator(atPath: root)
            while let relative = enumerator?.nextObject() as? String {
                let path = "\(root)/\(relative)"
                guard path != filler else { continue }
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                switch attributes[.type] as? FileAttributeType {
                case .typeSymbolicLink:
                    result[relative] = Data(try FileManager.default.destinationOfSymbolicLink(atPath: path).utf8)
                case .typeRegular: result[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
                default: result[relative + "/"] = Data()
                }
            }
            return result
        }

        /// The one clear line: exit 1, one error line on stderr saying what failed and what to do
        /// (pre-flight warnings aside: the harness has no timedatectl, so the clock is "cannot tell").
        func expectDiskFull(_ result: Harness.Result, _ command: String, saying words: [String]) {
            #expect(result.status == 1, "\(command): \(result.stdout)\(result.stderr)")
            let lines = result.stderr.split(separator: "\n").filter { !$0.contains("pre-flight warning:") }
            #expect(lines.count == 1, "\(command): one line: \(result.stderr)")
            for word in words { #expect(result.stderr.contains(word), "\(command): \(result.stderr)") }
        }

        static let noSpace = ["no space left on", "free space on", "again"]

        func current() throws -> String { try FileManager.default.destinationOfSymbolicLink(atPath: "\(root)/current") }

        @Test(
            "data filesystem full under deploy, update, secrets set, db vacuum and restore: one clear line, nothing lost or left behind; once space is freed the same command converges"
        )
        func dataFilesystemFull() throws {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let mounted = try Harness.run("/bin/mount", ["-t", "tmpfs", "-o", "size=16m,mode=0755", "tmpfs", root])
            try #require(mounted.status == 0, "\(mounted.stderr)")
            defer {
                scratch.tearDown()  // stops the units first; the mount goes before the files
                _ = try? Harness.run("/bin/umount", [root])
                try? FileManager.default.removeItem(atPath: scratch.base)
                try? FileManager.default.removeItem(atPath: dir)
            }

            // The engine's env file, there before the first deploy (systemd refuses a missing one).
            try FileManager.default.createDirectory(atPath: "\(root)/shared", withIntermediateDirectories: true)
            try "API_KEY=one\n".write(toFile: "\(root)/shared/.env", atomically: true, encoding: .utf8)
            let empty = try tree()

            // deploy, nothing free: the pre-flight refuses before anything is written.
            try fill()
            let preflight = try scratch.tradectl(["deploy", "--version", "v1"])
            expectDiskFull(preflight, "deploy", saying: ["pre-flight failed: disk root: 0 MiB free"])
            #expect(try tree().filter { !$0.key.hasSuffix("/") } == empty.filter { !$0.key.hasSuffix("/") })
            try unfill()
            // deploy, 2 MiB free: past the pre-flight, the release copy hits ENOSPC.
            try fill(leaving: 2 << 20)
            let refused = try scratch.tradectl(["deploy", "--version", "v1"])
            expectDiskFull(refused, "deploy", saying: Self.noSpace)
            let left = try tree().filter { !$0.key.hasSuffix("/") && empty[$0.key] == nil }.keys
            #expect(left.isEmpty, "deploy left files behind: \(left.sorted())")
            try unfill()
            let deployed = try scratch.tradectl(["deploy", "--version", "v1"])
            try #require(deployed.status == 0, "\(deployed.stdout)\(deployed.stderr)")
            #expect(try current() == "releases/v1")

            // Live data, an env file and a backup of them (on the real disk).
            _ = try Harness.run(
                "/usr/bin/sqlite3",
                [
                    "\(root)/shared/data/fdata.db",
                    "PRAGMA journal_mode=WAL; CREATE TABLE fills(id INTEGER PRIMARY KEY, body BLOB); "
                        + "INSERT INTO fills(body) SELECT randomblob(1024) FROM generate_series(1, 512);"
                        + "DELETE FROM fills WHERE id % 2 = 0;",
                ])
            _ = try Harness.run(
                "/usr/bin/sqlite3", ["\(root)/shared/data/fdata.db", "PRAGMA wal_checkpoint(TRUNCATE)"])
            try "API_KEY=one\n".write(toFile: "\(root)/shared/.env", atomically: true, encoding: .utf8)
            let backup = try scratch.tradectl(["backup"])
            try #require(backup.status == 0, "\(backup.stdout)\(backup.stderr)")

            // update: the new release does not fit; v1 stays current and byte-identical.
            try fill(leaving: 2 << 20)
            var before = try tree()
            let update = try scratch.tradectl(["update", "--version", "v2", "--source", "\(dir)/app2"])
            expectDiskFull(update, "update", saying: Self.noSpace)
            let afterUpdate = try tree()
            #expect(afterUpdate == before, "update changed or left files: \(Self.difference(before, afterUpdate))")
            #expect(try current() == "releases/v1")
            try unfill()
            let updated = try scratch.tradectl(["update", "--version", "v2", "--source", "\(dir)/app2"])
            #expect(updated.status == 0, "\(updated.stdout)\(updated.stderr)")
            #expect(try current() == "releases/v2")

            // secrets set: the env file is not rewritten; no temp file beside it.
            try fill()
            before = try tree()
            let secrets = try Harness.run(
                Harness.binary, ["--config", scratch.config, "secrets", "set", "API_KEY"],
                environment: scratch.environment, input: "two\n")
            expectDiskFull(secrets, "secrets set", saying: Self.noSpace)
            let afterSecrets = try tree()
            #expect(
                afterSecrets == before, "secrets set changed or left files: \(Self.difference(before, afterSecrets))")
            try unfill()
            let set = try Harness.run(
                Harness.binary, ["--config", scratch.config, "secrets", "set", "API_KEY"],
                environment: scratch.environment, input: "two\n")
            #expect(set.status == 0, "\(set.stdout)\(set.stderr)")
            #expect(try String(contentsOfFile: "\(root)/shared/.env", encoding: .utf8).contains("two"))

            // db vacuum: the database keeps every row and passes its integrity check.
            try fill()
            let rows = try Harness.run(
                "/usr/bin/sqlite3", ["\(root)/shared/data/fdata.db", "SELECT count(*) FROM fills"])
            let vacuum = try scratch.tradectl(["db", "vacuum"])
            #expect(vacuum.status == 1, "\(vacuum.stdout)\(vacuum.stderr)")
            #expect((vacuum.stdout + vacuum.stderr).contains("free"), "\(vacuum.stdout)\(vacuum.stderr)")
            #expect(
                try Harness.run("/usr/bin/sqlite3", ["\(root)/shared/data/fdata.db", "SELECT count(*) FROM fills"])
                    .stdout == rows.stdout)
            #expect(try scratch.tradectl(["db", "check"]).status == 0)
            try unfill()
            let vacuumed = try scratch.tradectl(["db", "vacuum"])
            #expect(vacuumed.status == 0, "\(vacuumed.stdout)\(vacuumed.stderr)")

            // restore: staging the archive next to shared/ runs out of space before anything live
            // is touched; the half-built staging tree is removed. Named by path, like an operator
            // picking an archive from `backup list`.
            let listed = try scratch.tradectl(["backup", "list", "--json"])
            let catalog = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
            let archive = try #require(catalog.first?["path"] as? String, "\(listed.stdout)")
            try fill()
            before = try tree()
            let restore = try scratch.tradectl(["restore", archive, "--yes"])
            #expect(restore.status == 1, "\(restore.stdout)\(restore.stderr)")
            #expect(restore.stderr.contains("no space left"), "\(restore.stderr)")
            #expect(!restore.stderr.contains("refused"), "a full disk is not a bad archive: \(restore.stderr)")
            let changed = Self.difference(before, try tree())
            // Live data, env file and releases as they were (SQLite's -wal/-shm sidecars aside); no
            // staging tree left behind.
            #expect(changed.allSatisfy { $0.hasSuffix("-wal") || $0.hasSuffix("-shm") }, "restore changed: \(changed)")
            try unfill()
            let restored = try scratch.tradectl(["restore", archive, "--yes"])
            #expect(restored.status == 0, "\(restored.stdout)\(restored.stderr)")
            #expect(try String(contentsOfFile: "\(root)/shared/.env", encoding: .utf8) == "API_KEY=one\n")
        }

        /// The paths that differ between two trees, for failure messages.
        static func difference(_ a: [String: Data], _ b: [String: Data]) -> [String] {
            Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
        }
    }
}
