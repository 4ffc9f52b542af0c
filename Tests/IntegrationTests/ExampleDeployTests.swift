import Foundation
import Testing

@testable import TradeKit

extension RealSystemd {
    /// Each example deploys for real under a systemd user manager (scripts/systemd-harness.sh).
    @Suite(
        "Deploy under a real systemd user manager",
        .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"), .serialized)
    struct ExampleDeployTests {
        @Test(
            "deploy, units active, timers scheduled, re-deploy is a no-op",
            arguments: ["ivcrush", "v6", "thetagang", "databento"])
        func deployExample(example: String) throws {
            let scratch = ScratchDeployment(example: example)
            defer { scratch.tearDown() }
            let (deployment, _) = try ConfigLoader(environment: scratch.environment).load(path: scratch.config)

            let first = try scratch.tradectl(["deploy"])
            #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")

            for component in deployment.components {
                let service = UnitNames.service(example, component.name)
                switch component.kind {
                case .service:
                    #expect(try Harness.property(service, "ActiveState") == "active", "\(service) not active")
                case .oneshot:
                    let timer = UnitNames.timer(example, component.name)
                    #expect(try Harness.property(timer, "ActiveState") == "active")
                    let timers = try Harness.systemctl("list-timers", "--all", timer).stdout
                    let line = timers.split(separator: "\n").first { $0.contains(timer) }
                    #expect(line != nil && !(line!.hasPrefix("n/a")), "\(timer) has no next run: \(timers)")
                }
            }

            let again = try scratch.tradectl(["deploy", "--json"])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.contains("\"changes\" : 0"), "\(again.stdout)")
        }

        @Test("systemd restarts a killed engine")
        func killedEngineRestarts() throws {
            let scratch = ScratchDeployment(example: "v6")
            defer { scratch.tearDown() }
            let deploy = try scratch.tradectl(["deploy"])
            try #require(deploy.status == 0, "\(deploy.stdout)\n\(deploy.stderr)")
            let unit = "v6-trading.service"
            let pid = try Harness.property(unit, "MainPID")
            try #require(Int(pid) ?? 0 > 0)
            kill(pid_t(pid)!, SIGKILL)
            let restarted = try Harness.eventually(20) {
                let now = try Harness.property(unit, "MainPID")
                let state = try Harness.property(unit, "ActiveState")
                return now != pid && now != "0" && state == "active"
            }
            #expect(restarted, "engine not restarted after SIGKILL")
            #expect(Int(try Harness.property(unit, "NRestarts")) ?? 0 >= 1)

            // A graceful stop lets the engine finish its pending orders (SIGTERM handler).
            _ = try Harness.systemctl("stop", unit)
            let journal = try Harness.run("/bin/journalctl", ["--no-pager", "-o", "cat", "_SYSTEMD_UNIT=\(unit)"])
                .stdout
            #expect(journal.contains("clean shutdown"), "\(journal.suffix(500))")
        }

        @Test("a deploy that does not become healthy exits 1 naming the component and its journal")
        func unhealthyDeployFails() throws {
            let dir = NSTemporaryDirectory() + "tradectl-it-broken-\(getpid())"
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: "\(dir)/app", withIntermediateDirectories: true)
            try "import sys\nprint('cannot reach broker gateway 127.0.0.1:4001', flush=True)\nsys.exit(3)\n"
                .write(toFile: "\(dir)/app/bot.py", atomically: true, encoding: .utf8)
            let config = """
                [project]
                name = "brokenbot"
                [releases]
                source = "app"
                [[components]]
                name = "bot"
                exec = "/usr/bin/python3 bot.py"
                restart = "on-failure"
                restart_sec = "1s"
                stop_timeout = "5s"
                [deploy]
                health_timeout = "8s"
                """
            try config.write(toFile: "\(dir)/tradectl.toml", atomically: true, encoding: .utf8)
            let scratch = ScratchDeployment(name: "brokenbot", config: "\(dir)/tradectl.toml")
            defer {
                scratch.tearDown()
                try? FileManager.default.removeItem(atPath: dir)
            }
            let result = try scratch.tradectl(["deploy"])
            #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
            #expect(result.stderr.contains("bot (brokenbot-bot.service) did not become healthy"), "\(result.stderr)")
            #expect(result.stderr.contains("cannot reach broker gateway"), "journal lines missing: \(result.stderr)")
        }
    }
}
