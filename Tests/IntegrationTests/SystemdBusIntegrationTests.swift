import Foundation
import Testing

@testable import TradeKit

extension RealSystemd {
    /// `SystemdBus` against the real user manager: properties, jobs, reset-failed, reload,
    /// and no manager at all. Units of its own, installed in the harness's ~/.config.
    @Suite(
        "sd-bus service manager", .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"), .serialized)
    struct SystemdBusIntegrationTests {
        let unitDir: String
        let ok = "tradectl-bus-ok.service"
        let failing = "tradectl-bus-fail.service"

        init() throws {
            let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
            unitDir = "\(home)/.config/systemd/user"
            try FileManager.default.createDirectory(atPath: unitDir, withIntermediateDirectories: true)
            try write(ok, description: "tradectl bus test", exec: "/bin/sleep infinity", type: "simple")
            try write(failing, description: "tradectl bus failing test", exec: "/bin/sh -c 'exit 3'", type: "oneshot")
        }

        func write(_ unit: String, description: String, exec: String, type: String) throws {
            let text = "[Unit]\nDescription=\(description)\n\n[Service]\nType=\(type)\nExecStart=\(exec)\n"
            try text.write(toFile: "\(unitDir)/\(unit)", atomically: true, encoding: .utf8)
        }

        func tearDown() {
            _ = try? Harness.systemctl("stop", ok, failing)
            for unit in [ok, failing] { try? FileManager.default.removeItem(atPath: "\(unitDir)/\(unit)") }
            _ = try? Harness.systemctl("daemon-reload")
            _ = try? Harness.systemctl("reset-failed", ok, failing)
        }

        @Test("properties, start/restart/stop, a failing start, reset-failed and daemon-reload, as systemctl sees them")
        func lifecycle() async throws {
            defer { tearDown() }
            let bus = SystemdBus(scope: .user)
            try await bus.ping()
            try await bus.daemonReload()

            // A unit that is not loaded is answered, like `systemctl show`.
            let ghost = try await bus.status(of: ["tradectl-bus-nonexistent.service"])
            #expect(ghost["tradectl-bus-nonexistent.service"]?.loadState == "not-found")

            try await bus.perform(.start, units: [ok])
            var status = try #require(try await bus.status(of: [ok])[ok])
            #expect(status.loadState == "loaded" && status.activeState == "active" && status.subState == "running")
            let (pid, unitFileState) = (try Harness.property(ok, "MainPID"), try Harness.property(ok, "UnitFileState"))
            #expect(status.mainPID > 0 && "\(status.mainPID)" == pid)
            #expect(status.unitFileState == unitFileState)

            // The same text `systemctl show --timestamp=unix` prints, for every property a caller reads.
            let names = [
                "ActiveState", "SubState", "NRestarts", "MainPID", "ActiveEnterTimestamp", "Result", "Description",
            ]
            let ours = try #require(try await bus.properties(names, of: [ok])[ok])
            let shown = try Harness.systemctl(
                "show", "--timestamp=unix", "--property=" + names.joined(separator: ","), ok)
            for line in shown.stdout.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                #expect(ours[parts[0]] == (parts.count > 1 ? parts[1] : ""), "\(parts[0])")
            }
            let since = try #require(TimerCheck.time(ours["ActiveEnterTimestamp"]))
            #expect(abs(since.timeIntervalSinceNow) < 60)
            // A property the unit's type lacks (a timer's) is absent, not an error.
            #expect(try await bus.properties(["LastTriggerUSec"], of: [ok])[ok]?["LastTriggerUSec"] == nil)

            let before = status.mainPID
            try await bus.perform(.restart, units: [ok])
            status = try #require(try await bus.status(of: [ok])[ok])
            #expect(status.isActive && status.mainPID != before && status.mainPID > 0)

            try await bus.perform(.stop, units: [ok])
            #expect(try Harness.property(ok, "ActiveState") == "inactive")

            // A failing start job is an error naming the unit and the job's result.
            do {
                try await bus.perform(.start, units: [failing])
                Issue.record("starting \(failing) did not fail")
            } catch let failure as UnitJobFailed {
                #expect(failure.unit == failing && failure.result == "failed" && failure.unitResult == "exit-code")
                #expect(failure.description.contains("Job for \(failing) failed"))
            }
            #expect(try Harness.property(failing, "ActiveState") == "failed")
            try await bus.perform(.resetFailed, units: [failing])
            #expect(try Harness.property(failing, "ActiveState") == "inactive")
            #expect(try Harness.property(failing, "Result") == "success")

            // Starting an unknown unit fails in the call itself, naming it.
            await #expect(throws: SystemdBusError.self) {
                try await bus.perform(.start, units: ["tradectl-bus-nonexistent.service"])
            }

            // daemon-reload: a changed unit file is read again.
            try write(ok, description: "tradectl bus test, reloaded", exec: "/bin/sleep infinity", type: "simple")
            try await bus.daemonReload()
            #expect(
                try await bus.properties(["Description"], of: [ok])[ok]?["Description"] == "tradectl bus test, reloaded"
            )
        }

        @Test("no manager at a bogus XDG_RUNTIME_DIR is ServiceManagerUnavailable (exit 69), not a crash or a hang")
        func unreachable() async throws {
            let bus = SystemdBus(scope: .user, environment: ["XDG_RUNTIME_DIR": "/nonexistent/tradectl-bus"])
            await #expect(throws: ServiceManagerUnavailable.self) { try await bus.ping() }
            await #expect(throws: ServiceManagerUnavailable.self) { _ = try await bus.status(of: ["default.target"]) }
            let none = SystemdBus(scope: .user, environment: [:])
            await #expect(throws: ServiceManagerUnavailable.self) { try await none.ping() }
            #expect(ExitStatus.of(ServiceManagerUnavailable(detail: "x")) == .unavailable)
        }

        @Test("status, health and monitor --once start no child process and report the units' real states")
        func noChildProcess() throws {
            let scratch = ScratchDeployment(example: "v6")
            scratch.overrides = ScratchDeployment.ignoringEarlierErrors
            defer { scratch.tearDown() }
            let deploy = try scratch.tradectl(["deploy"])
            try #require(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")
            try #require(try scratch.tradectl(["backup"]).status == 0)
            try #require(try scratch.tradectl(["backup", "verify", "latest"]).status == 0)
            // No PATH: a `systemctl` (or any other program looked up by name) cannot be started.
            var environment = scratch.environment
            environment["PATH"] = "/nonexistent"
            func run(_ arguments: [String]) throws -> Harness.Result {
                try Harness.run(Harness.binary, ["--config", scratch.config] + arguments, environment: environment)
            }
            let healthy = Harness.eventually(30) { (try? run(["health", "-q"]))?.status == 0 }
            #expect(healthy, "\((try? run(["health"]))?.stdout ?? "")")

            let health = try run(["health"])
            #expect(health.status == 0 && health.stdout.contains("v6: OK"), "\(health.stdout)\(health.stderr)")
            let monitor = try run(["monitor", "--once"])
            #expect(monitor.status == 0 && monitor.stdout.hasPrefix("ok"), "\(monitor.stdout)\(monitor.stderr)")

            let status = try run(["status", "--json"])
            #expect(status.status == 0, "\(status.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
            #expect(json["systemd_error"] == nil || json["systemd_error"] is NSNull, "\(status.stdout)")
            let components = try #require(json["components"] as? [[String: Any]])
            #expect(components.count == 4)
            for component in components {
                let unit = try #require(component["unit"] as? String)
                #expect(component["state"] as? String == "active (running)", "\(component)")
                let pid = try Harness.property(unit, "MainPID")
                #expect("\(component["main_pid"] ?? "")" == pid, "\(unit)")
            }

            // And, where strace exists, not one execve after the binary's own.
            guard Self.strace else { return }
            for arguments in [["status"], ["health"], ["monitor", "--once"]] {
                let (traced, calls) = try Self.traced(scratch, arguments, environment: environment)
                #expect(traced.status == 0, "\(arguments): \(traced.stdout)\(traced.stderr)")
                #expect(calls.count == 1, "\(arguments) spawned: \(calls)")
            }
        }

        @Test("a oneshot's timer is judged from the gap deploy recorded: status, health, monitor --once start no child")
        func noChildProcessForTimers() throws {
            let scratch = ScratchDeployment(example: "ivcrush")
            defer { scratch.tearDown() }
            let deploy = try scratch.tradectl(["deploy"])
            try #require(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")
            var environment = scratch.environment
            environment["PATH"] = "/nonexistent"  // systemd-analyze cannot be started by name
            if Self.strace {
                let (status, calls) = try Self.traced(scratch, ["status"], environment: environment)
                #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
                #expect(calls.count == 1, "status spawned: \(calls)")
            }
            for arguments in [["health", "--json"], ["monitor", "--once", "--json"]] {
                let result: Harness.Result
                if Self.strace {
                    let calls: [Substring]
                    (result, calls) = try Self.traced(scratch, arguments, environment: environment)
                    #expect(calls.count == 1, "\(arguments) spawned: \(calls)")
                } else {
                    result = try Harness.run(
                        Harness.binary, ["--config", scratch.config] + arguments, environment: environment)
                }
                let json = try #require(
                    try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                    "\(arguments): \(result.stdout)\(result.stderr)")
                let timers = ((json["results"] as? [[String: Any]]) ?? []).filter { $0["check"] as? String == "timer" }
                #expect(timers.count == 1, "\(arguments): \(result.stdout)")
                for timer in timers {
                    #expect(timer["target"] as? String == "ivcrush")
                    #expect(timer["status"] as? String == "ok", "\(arguments): \(timer)")
                }
            }
        }

        static var strace: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") }

        /// Runs tradectl under `strace -f`: its result and every execve/fork (its own execve is one).
        static func traced(
            _ scratch: ScratchDeployment, _ arguments: [String], environment: [String: String]
        ) throws -> (Harness.Result, [Substring]) {
            let trace = NSTemporaryDirectory() + "tradectl-it-strace-\(getpid()).txt"
            defer { try? FileManager.default.removeItem(atPath: trace) }
            let traced = try Harness.run(
                "/usr/bin/strace",
                ["-f", "-qq", "-e", "trace=execve,fork,vfork", "-o", trace, Harness.binary, "--config", scratch.config]
                    + arguments, environment: environment)
            let calls = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
                .filter { $0.contains("execve(") || $0.contains("fork(") }
            return (traced, calls)
        }
    }
}
