import Foundation
import Synchronization
import Testing

@testable import TradeKit

extension RealSystemd {
    /// `run`, `doctor` before deploy, and `uninstall` under the real user manager and journald, with a
    /// project of its own (`opsit`: unit names and journal entries no other test shares).
    @Suite(
        "run, doctor, uninstall", .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"), .serialized)
    struct OpsCommandsTests {
        /// Bytes of a secret that must never reach any output.
        static let secretValue = "s3cr3t-0ps-value-8c1f5e"

        /// A project of two oneshots (one succeeds, one exits 3) whose `good` requires `required`.
        static func project(required: [String] = ["OPS_API_KEY"]) throws -> (ScratchDeployment, String) {
            let dir = NSTemporaryDirectory() + "tradectl-it-ops-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            let app = "\(dir)/app"
            try FileManager.default.createDirectory(atPath: app, withIntermediateDirectories: true)
            try "echo 'ops-run: good starts'\necho 'ops-run: good done'\n".write(
                toFile: "\(app)/good.sh", atomically: true, encoding: .utf8)
            try "echo 'ops-run: bad about to fail'\nexit 3\n".write(
                toFile: "\(app)/bad.sh", atomically: true, encoding: .utf8)
            try "OPS_API_KEY=\(secretValue)\nOPS_EMPTY=\n".write(
                toFile: "\(app)/.env", atomically: true, encoding: .utf8)
            let list = required.map { "\"\($0)\"" }.joined(separator: ", ")
            let config = """
                [project]
                name = "opsit"
                environment = "paper"
                scope = "user"

                [releases]
                source = "app"
                shared = ["data/", ".env"]

                [[components]]
                name = "good"
                kind = "oneshot"
                exec = "/bin/sh good.sh"
                schedule = "*-01-01 03:00"
                env_file = ".env"
                required_env = [\(list)]

                [[components]]
                name = "bad"
                kind = "oneshot"
                exec = "/bin/sh bad.sh"
                schedule = "*-01-01 03:00"

                [kill_switch]
                components = []

                """
            try config.write(toFile: "\(dir)/tradectl.toml", atomically: true, encoding: .utf8)
            return (ScratchDeployment(name: "opsit", config: "\(dir)/tradectl.toml"), dir)
        }

        static func cleanUp(_ scratch: ScratchDeployment, _ dir: String) {
            scratch.tearDown()
            try? FileManager.default.removeItem(atPath: dir)
        }

        static var unitDirectory: String {
            "\(ProcessInfo.processInfo.environment["HOME"] ?? "/root")/.config/systemd/user"
        }

        @Test("run streams a oneshot's journal and exits with its result: 0, then 1 naming Result and ExecMainStatus")
        func runOneshots() throws {
            let (scratch, dir) = try Self.project()
            defer { Self.cleanUp(scratch, dir) }
            let deploy = try scratch.tradectl(["deploy"])
            try #require(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")

            let good = try scratch.tradectl(["run", "good", "--follow"])
            #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
            #expect(good.stdout.contains("ops-run: good starts") && good.stdout.contains("ops-run: good done"))
            #expect(good.stdout.contains("opsit-good.service: success (exit status 0)"), "\(good.stdout)")

            let bad = try scratch.tradectl(["run", "bad", "--follow"])
            #expect(bad.status == 1, "\(bad.stdout)\(bad.stderr)")
            #expect(bad.stdout.contains("ops-run: bad about to fail"), "\(bad.stdout)")
            #expect(bad.stderr.contains("Result=exit-code") && bad.stderr.contains("ExecMainStatus=3"), "\(bad.stderr)")

            // Left failed, it is reset and run again; without --follow only the outcome is printed.
            let again = try scratch.tradectl(["run", "bad", "--json"])
            #expect(again.status == 1)
            let json = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
            #expect(json?["exit_status"] as? Int == 3 && json?["ok"] as? Bool == false, "\(again.stdout)")
            #expect(!again.stdout.contains("ops-run:"))

            #expect(try scratch.tradectl(["run", "nope"]).status == 64)
            let audit = try scratch.tradectl(["audit", "--json"])
            #expect(audit.stdout.contains("run good") && audit.stdout.contains("run bad"), "\(audit.stdout)")
            for output in [good, bad, again] {
                #expect(!(output.stdout + output.stderr).contains(Self.secretValue))
            }
        }

        /// The harness's own journald, when it started one (never a host's: nothing here stops that).
        static func harnessJournald() -> pid_t? {
            guard ProcessInfo.processInfo.environment["TRADECTL_HARNESS"] == "1",
                let text = try? String(contentsOfFile: "/run/tradectl-harness/journald.pid", encoding: .utf8),
                let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1,
                let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
                comm.hasPrefix("systemd-journal")
            else { return nil }
            return pid
        }

        /// journald paused while the oneshot runs reads its stream only after the process is gone:
        /// it cannot tell the unit from the cgroup, and stores the lines with `_PID` alone (what
        /// a busy host does to a quick oneshot; a CI run printed none of the unit's lines).
        @Test("run --follow prints the lines journald stored without the unit's name (journald paused during the run)")
        func runFollowFindsUnattributedLines() throws {
            guard let journald = Self.harnessJournald() else { return }
            let (scratch, dir) = try Self.project()
            defer { Self.cleanUp(scratch, dir) }
            try #require(try scratch.tradectl(["deploy"]).status == 0)
            let before = try Harness.property("opsit-bad.service", "ExecMainExitTimestampMonotonic")

            #expect(kill(journald, SIGSTOP) == 0)
            var resumed = false
            defer { if !resumed { kill(journald, SIGCONT) } }
            let done = DispatchSemaphore(value: 0)
            let outcome = Mutex<Harness.Result?>(nil)
            let (config, environment) = (scratch.config, scratch.environment)
            DispatchQueue.global().async {
                let run = try? Harness.run(
                    Harness.binary, ["--config", config, "run", "bad", "--follow"], environment: environment)
                outcome.withLock { $0 = run }
                done.signal()
            }
            // The unit's process has exited and been reaped before journald reads a byte.
            let exited = try Harness.eventually(30) {
                let now = try Harness.property("opsit-bad.service", "ExecMainExitTimestampMonotonic")
                return !now.isEmpty && now != "0" && now != before
            }
            #expect(exited)
            #expect(kill(journald, SIGCONT) == 0)
            resumed = true
            done.wait()
            let run = try #require(outcome.withLock { $0 })
            #expect(run.status == 1, "\(run.stdout)\(run.stderr)")
            #expect(
                run.stdout.contains("opsit-bad") && run.stdout.contains("ops-run: bad about to fail"), "\(run.stdout)")
        }

        @Test("doctor stops a deploy whose env file lacks a required_env key, naming the key and not a value")
        func doctorStopsDeploy() throws {
            let (scratch, dir) = try Self.project(required: ["OPS_API_KEY", "OPS_MISSING_KEY", "OPS_EMPTY"])
            defer { Self.cleanUp(scratch, dir) }
            let deploy = try scratch.tradectl(["deploy"])
            #expect(deploy.status == 1, "\(deploy.stdout)\(deploy.stderr)")
            #expect(
                deploy.stderr.contains("OPS_MISSING_KEY") && deploy.stderr.contains("OPS_EMPTY"), "\(deploy.stderr)")
            #expect(!deploy.stderr.contains("missing OPS_API_KEY"))
            #expect(!(deploy.stdout + deploy.stderr).contains(Self.secretValue))
            #expect(!FileManager.default.fileExists(atPath: "\(scratch.base)/opt/opsit/current"), "nothing deployed")
            #expect(!FileManager.default.fileExists(atPath: "\(Self.unitDirectory)/opsit-good.service"))

            let doctor = try scratch.tradectl(["doctor", "--json"])
            #expect(doctor.status == 2, "\(doctor.stdout)\(doctor.stderr)")
            #expect(doctor.stdout.contains("OPS_MISSING_KEY") && !doctor.stdout.contains(Self.secretValue))
            let text = try scratch.tradectl(["doctor"])
            #expect(text.status == 2 && !(text.stdout + text.stderr).contains(Self.secretValue))

            let skipped = try scratch.tradectl(["deploy", "--skip-preflight"])
            #expect(skipped.status == 0, "\(skipped.stdout)\(skipped.stderr)")
        }

        @Test("uninstall removes units and installed files and keeps data; deploy brings it back")
        func uninstallRoundTrip() throws {
            let (scratch, dir) = try Self.project()
            defer { Self.cleanUp(scratch, dir) }
            try #require(try scratch.tradectl(["deploy"]).status == 0)
            try "keep me\n".write(
                toFile: "\(scratch.base)/opt/opsit/shared/data/positions.csv", atomically: true, encoding: .utf8)

            let removed = try scratch.tradectl(["uninstall"])
            #expect(removed.status == 0, "\(removed.stdout)\(removed.stderr)")
            let left = try FileManager.default.contentsOfDirectory(atPath: Self.unitDirectory).filter {
                $0.hasPrefix("opsit-")
            }
            #expect(left.isEmpty, "\(left)")
            #expect(try Harness.property("opsit-good.timer", "LoadState") == "not-found")
            #expect(FileManager.default.fileExists(atPath: "\(scratch.base)/opt/opsit/shared/data/positions.csv"))
            #expect(FileManager.default.fileExists(atPath: "\(scratch.base)/opt/opsit/current"))
            #expect(try scratch.tradectl(["audit", "--json"]).stdout.contains("uninstall"))

            let again = try scratch.tradectl(["deploy"])
            #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
            #expect(try Harness.property("opsit-good.timer", "ActiveState") == "active")
            #expect(try scratch.tradectl(["run", "good"]).status == 0)
            #expect(FileManager.default.fileExists(atPath: "\(scratch.base)/opt/opsit/shared/data/positions.csv"))
        }

        @Test("uninstall --purge: final backup kept, data and state gone, audit in the journal; deploy comes back")
        func purge() throws {
            let (scratch, dir) = try Self.project()
            defer { Self.cleanUp(scratch, dir) }
            try #require(try scratch.tradectl(["deploy"]).status == 0)
            let refused = try scratch.tradectl(["uninstall", "--purge"])
            #expect(refused.status == 64, "no terminal, no --yes: \(refused.stderr)")
            #expect(FileManager.default.fileExists(atPath: "\(scratch.base)/opt/opsit/current"))

            let purged = try scratch.tradectl(["uninstall", "--purge", "--yes"])
            #expect(purged.status == 0, "\(purged.stdout)\(purged.stderr)")
            #expect(purged.stdout.contains("final backup"), "\(purged.stdout)")
            #expect(!FileManager.default.fileExists(atPath: "\(scratch.base)/opt/opsit"))
            #expect(
                !FileManager.default.fileExists(atPath: "\(scratch.base)/state"), "the state dir is gone, not recreated"
            )
            let archives = (try? FileManager.default.contentsOfDirectory(atPath: "\(scratch.base)/backups")) ?? []
            #expect(archives.contains { $0.hasPrefix("opsit-") && $0.contains(".tar.") }, "\(archives)")
            #expect(!(purged.stdout + purged.stderr).contains(Self.secretValue))
            let recorded = Harness.eventually(10) {
                let journal = try? Harness.run(
                    "/bin/journalctl", ["--no-pager", "-o", "cat", "TRADECTL_PROJECT=opsit", "TRADECTL_AUDIT=1"])
                return journal?.stdout.contains("uninstall --purge") == true
            }
            #expect(recorded, "the purge's audit record is in the journal")

            let again = try scratch.tradectl(["deploy"])
            #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
            #expect(try scratch.tradectl(["run", "good"]).status == 0)
        }

        /// Every file and link under `paths`, with its bytes (or link target).
        static func snapshot(_ paths: [String]) -> [String: Data] {
            var tree: [String: Data] = [:]
            for top in paths {
                guard let walker = FileManager.default.enumerator(atPath: top) else { continue }
                while let relative = walker.nextObject() as? String {
                    let path = "\(top)/\(relative)"
                    if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                        tree[path] = Data("-> \(target)".utf8)
                    } else {
                        tree[path] = FileManager.default.contents(atPath: path) ?? Data()
                    }
                }
            }
            return tree
        }

        @Test("uninstall --purge --dry-run lists exactly what would be removed and changes nothing")
        func purgeDryRun() throws {
            let (scratch, dir) = try Self.project()
            defer { Self.cleanUp(scratch, dir) }
            try #require(try scratch.tradectl(["deploy"]).status == 0)
            let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
            let watched = [scratch.base, Self.unitDirectory, "\(home)/.config/tradectl"]
            let before = Self.snapshot(watched)

            let dry = try scratch.tradectl(["uninstall", "--purge", "--dry-run", "--json"])
            #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
            #expect(Self.snapshot(watched) == before, "the dry run changed files")
            let plan = try JSONSerialization.jsonObject(with: Data(dry.stdout.utf8)) as? [String: Any]
            let actions = plan?["actions"] as? [[String: Any]] ?? []
            let removed = Set(
                actions.filter { $0["type"] as? String == "remove" }.compactMap { $0["target"] as? String })

            let units = try FileManager.default.contentsOfDirectory(atPath: Self.unitDirectory).filter {
                $0.hasPrefix("opsit-")
            }
            var expected = Set(units.map { "\(Self.unitDirectory)/\($0)" })
            for target in ["default.target", "timers.target", "multi-user.target"] {
                for unit in units
                where FileManager.default.fileExists(atPath: "\(Self.unitDirectory)/\(target).wants/\(unit)") {
                    expected.insert("\(Self.unitDirectory)/\(target).wants/\(unit)")
                }
            }
            for file in ["\(home)/.config/tradectl/opsit.toml", "\(home)/.config/tradectl/opsit.env"]
            where FileManager.default.fileExists(atPath: file) {
                expected.insert(file)
            }
            let root = "\(scratch.base)/opt/opsit"
            expected.formUnion(["\(root)/releases", "\(root)/current", "\(root)/shared", root, "\(scratch.base)/state"])
            let logrotate = removed.filter { $0.contains("logrotate") }
            #expect(removed.subtracting(logrotate) == expected, "\(removed.symmetricDifference(expected))")
            #expect(!removed.contains { $0.hasPrefix("\(scratch.base)/backups") }, "the backups are never removed")
            #expect(actions.contains { $0["type"] as? String == "archive" }, "a final backup comes first")
            #expect(actions.first { $0["type"] as? String == "systemctl.stop" } != nil)
        }
    }
}
