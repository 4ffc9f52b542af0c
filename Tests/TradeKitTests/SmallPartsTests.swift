import Foundation
import Testing

@testable import TradeKit

@Suite("Small parts")
struct SmallPartsTests {
    @Test(
        "global options move after the subcommand",
        arguments: [
            (
                ["--config", "x.toml", "--json", "deploy", "--dry-run"],
                ["deploy", "--dry-run", "--config", "x.toml", "--json"]
            ),
            (
                ["deploy", "--dry-run", "--config", "x.toml", "--json"],
                ["deploy", "--dry-run", "--config", "x.toml", "--json"]
            ),
            (["--root=/tmp/r", "config", "check"], ["config", "check", "--root=/tmp/r"]),
            (["-v", "deploy", "--", "--json"], ["deploy", "-v", "--", "--json"]),
        ])
    func normalize(input: [String], expected: [String]) {
        #expect(ArgumentNormalizer.normalize(input) == expected)
    }

    @Test("both spellings of a global option parse the same in the binary")
    func globalOptionsEitherSide() throws {
        let dir = TempDir()
        let before = try runTradectl([
            "--config", Repo.example("v6"), "--json", "--root", dir.path, "deploy", "--dry-run",
        ])
        let after = try runTradectl([
            "deploy", "--dry-run", "--config", Repo.example("v6"), "--json", "--root", dir.path,
        ])
        #expect(before.status == 0 && after.status == 0, "\(before.stderr)\(after.stderr)")
        // Release metadata carries no time in the plan JSON, so both runs print the same plan.
        #expect(before.stdout == after.stdout)
    }

    @Test("unified diff of a changed line")
    func diff() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n"
        let new = "a\nb\nc\nD\ne\nf\ng\nh\n"
        let diff = UnifiedDiff.make(old: old, new: new, path: "/x")
        #expect(diff == "--- a/x\n+++ b/x\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n")
        #expect(UnifiedDiff.make(old: nil, new: "x\n", path: "/n") == "--- /dev/null\n+++ b/n\n@@ -0,0 +1,1 @@\n+x\n")
    }

    @Test("key locator finds array tables, dotted keys and inline tables")
    func keyLocator() {
        let text = """
            [project]
            name = "a"   # comment = not a key
            [[components]]
            name = "one"
            probes.http = "http://x"
            [[components]]
            name = "two"
            environment = { TZ = "UTC", MODE = "x" }
            build = [
              "a = b",
            ]
            after = ["one"]
            [components.probes]
            tcp = "h:1"
            """
        let locator = KeyLocator(source: text)
        #expect(locator.line(for: "project.name") == 2)
        #expect(locator.line(for: "components[0].probes.http") == 5)
        #expect(locator.line(for: "components[1].name") == 7)
        #expect(locator.line(for: "components[1].environment.MODE") == 8)
        #expect(locator.line(for: "components[1].after") == 12)
        #expect(locator.line(for: "components[1].probes.tcp") == 14)
        #expect(locator.line(for: "components[1].unknown") == 6)
    }

    @Test("durations parse as systemd writes them")
    func durations() {
        #expect(ConfigDuration(parsing: "90s")?.milliseconds == 90_000)
        #expect(ConfigDuration(parsing: "5min")?.milliseconds == 300_000)
        #expect(ConfigDuration(parsing: "1h30min")?.milliseconds == 5_400_000)
        #expect(ConfigDuration(parsing: "soon") == nil)
        #expect(ConfigDuration(parsing: "10") == nil)
        #expect(ConfigDuration.seconds(120).description == "2min")
    }

    @Test("unit values with line breaks or control characters are refused")
    func unitValues() {
        #expect(UnitValue.problem(in: "/usr/bin/python3 engine.py") == nil)
        #expect(UnitValue.problem(in: "x\nExecStartPre=/bin/sh") != nil)
        #expect(UnitValue.problem(in: "x\r") != nil)
        #expect(UnitValue.problem(in: "x\u{1B}[31m") != nil)
        #expect(UnitValue.problem(in: "x\u{2028}y") != nil)
        #expect(UnitValue.problem(in: "continued \\") != nil)
        #expect(UnitValue.escape("50%") == "50%%")
    }

    @Test("env files are redacted value by value")
    func envRedaction() {
        #expect(
            Secrets.redactEnvFile("# keys\nAPI_KEY=abc\nEMPTY=\n") == "# keys\nAPI_KEY=<redacted>\nEMPTY=<redacted>\n")
    }

    @Test("systemctl show output parses into unit statuses")
    func parseShow() {
        let text =
            "Id=a.service\nActiveState=active\nSubState=running\nNRestarts=2\nMainPID=42\n\nId=b.timer\nActiveState=inactive\n"
        let statuses = Systemctl.parseShow(text)
        #expect(statuses["a.service"]?.restarts == 2)
        #expect(statuses["a.service"]?.mainPID == 42)
        #expect(statuses["b.timer"]?.activeState == "inactive")
        #expect(Systemctl(scope: .user).command(["show"]).arguments == ["--user", "--no-pager", "show"])
    }
}

@Suite("Process launcher")
struct ProcessRunnerTests {
    @Test("children inherit the environment plus the command's variables")
    func environment() async throws {
        let result = try await SubprocessLauncher().run(
            Command("/usr/bin/env", [], environment: ["TRADECTL_PROBE": "x y"]))
        let lines = Set(result.output.split(separator: "\n").map(String.init))
        #expect(lines.contains("TRADECTL_PROBE=x y"))
        #expect(lines.contains("PATH=\(ProcessInfo.processInfo.environment["PATH"] ?? "")"))
    }

    @Test("exit status and signals are reported")
    func status() async throws {
        let failed = try await SubprocessLauncher().run(Command("/bin/sh", ["-c", "echo out; echo err >&2; exit 7"]))
        #expect(failed.status == 7 && !failed.succeeded)
        #expect(failed.tail().contains("out") && failed.tail().contains("err"))
        let killed = try await SubprocessLauncher().run(Command("/bin/sh", ["-c", "kill -9 $$"]))
        #expect(killed.signaled && killed.status == 9)
    }
}
