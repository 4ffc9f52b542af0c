import Foundation
import Testing

@testable import TradeKit

extension RealSystemd {
    /// Health-gated updates and rollbacks of the V6 example under the real user manager.
    @Suite("Update and rollback", .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"), .serialized)
    struct UpdateRollbackTests {
        /// A copy of the V6 app with `edit` applied.
        static func source(_ name: String, in dir: String, edit: (String) throws -> Void = { _ in }) throws -> String {
            let path = "\(dir)/\(name)"
            try FileManager.default.copyItem(atPath: "\(Harness.repoRoot)/examples/v6/app", toPath: path)
            try "\(name)\n".write(toFile: "\(path)/VERSION", atomically: true, encoding: .utf8)
            try edit(path)
            return path
        }

        static func current(_ scratch: ScratchDeployment) throws -> String {
            try FileManager.default.destinationOfSymbolicLink(atPath: "\(scratch.base)/opt/v6/current")
        }

        @Test("v1 → healthy v2 → crashing v3 rolled back → broken-build v4 refused → rollback to v1 → unknown --to")
        func releaseDay() throws {
            let scratch = ScratchDeployment(example: "v6")
            let dir = NSTemporaryDirectory() + "tradectl-it-update-\(getpid())"
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer {
                scratch.tearDown()
                try? FileManager.default.removeItem(atPath: dir)
            }
            let v1 = try scratch.tradectl(["deploy", "--version", "v1"])
            try #require(v1.status == 0, "\(v1.stdout)\(v1.stderr)")

            let v2 = try scratch.tradectl(["update", "--version", "v2", "--source", try Self.source("v2", in: dir)])
            #expect(v2.status == 0, "\(v2.stdout)\(v2.stderr)")
            #expect(try Self.current(scratch) == "releases/v2")
            #expect(try scratch.tradectl(["health", "--check", "unit", "http"]).status == 0)

            let crashing = try Self.source("v3", in: dir) { path in
                try "import sys\nprint('engine: cannot load risk model', flush=True)\nsys.exit(1)\n"
                    .write(toFile: "\(path)/engine.py", atomically: true, encoding: .utf8)
            }
            let started = Date()
            let v3 = try scratch.tradectl(["update", "--version", "v3", "--source", crashing])  // default timeouts
            let rollbackSeconds = Date().timeIntervalSince(started)
            #expect(v3.status == 1, "\(v3.stdout)\(v3.stderr)")
            #expect(v3.stderr.contains("rolled back to v2"))
            #expect(v3.stderr.contains("trading"), "the failing component is named")
            #expect(v3.stderr.contains("cannot load risk model"), "its journal lines are shown")
            #expect(try Self.current(scratch) == "releases/v2")
            #expect(try scratch.tradectl(["health", "--check", "unit", "http"]).status == 0)
            #expect(rollbackSeconds < 60, "update → rolled back and healthy took \(rollbackSeconds)s")
            print("update: crashing v3 rolled back and healthy after \(String(format: "%.1f", rollbackSeconds))s")
            let releases = try scratch.tradectl(["releases", "--json"])
            let list = (try JSONSerialization.jsonObject(with: Data(releases.stdout.utf8)) as? [[String: Any]]) ?? []
            #expect(
                list.first { $0["version"] as? String == "v3" }?["outcome"] as? String == "rolled back",
                "\(releases.stdout)")
            #expect(list.first { $0["version"] as? String == "v2" }?["current"] as? Bool == true)

            let broken = try Self.source("v4", in: dir) { path in
                try "def broken(:\n".write(toFile: "\(path)/broken.py", atomically: true, encoding: .utf8)
            }
            let pid = try Harness.property("v6-trading.service", "MainPID")
            let v4 = try scratch.tradectl(["update", "--version", "v4", "--source", broken])
            #expect(v4.status == 1, "\(v4.stdout)\(v4.stderr)")
            #expect(try Self.current(scratch) == "releases/v2")
            #expect(
                try Harness.property("v6-trading.service", "MainPID") == pid,
                "production was restarted by a failed build")

            let dry = try scratch.tradectl(["rollback", "--dry-run"])
            #expect(dry.stdout.contains("systemctl.restart"), "\(dry.stdout)")
            let back = try scratch.tradectl(["rollback"])
            #expect(back.status == 0, "\(back.stdout)\(back.stderr)")
            #expect(try Self.current(scratch) == "releases/v1")
            #expect(try scratch.tradectl(["health", "--check", "unit", "http"]).status == 0)

            let unknown = try scratch.tradectl(["rollback", "--to", "v9"])
            #expect(unknown.status == 65)
            #expect(unknown.stderr.contains("candidates:") && unknown.stderr.contains("v2"), "\(unknown.stderr)")
        }
    }
}
