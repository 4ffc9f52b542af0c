import Foundation
import Testing

@testable import TradeKit

/// The logrotate configuration deploy writes for the components' `log_files`.
@Suite("Log rotation")
struct LogRotationTests {
    static func config(
        source: String, root: String, scope: String = "user", logFiles: String?, rotation: String = ""
    )
        -> String
    {
        var text = minimalConfig(source: source, root: root, extra: rotation)
        if let logFiles { text = text.replacingOccurrences(of: "trades = true", with: "trades = true\n\(logFiles)") }
        if scope == "system" {
            text = text.replacingOccurrences(
                of: "scope = \"user\"", with: "scope = \"system\"\nuser = \"root\"\ngroup = \"root\"")
        }
        return text
    }

    static func load(_ text: String, in dir: TempDir) throws -> Deployment {
        let path = dir.write("tradectl.toml", text)
        return try ConfigLoader(environment: [:]).load(path: path).0
    }

    @Test("system scope: absolute globs, su, size, copytruncate, no create")
    func renderSystem() throws {
        let dir = TempDir()
        _ = dir.write("src/engine.py", "\n")
        let deployment = try Self.load(
            Self.config(
                source: "\(dir.path)/src", root: "/opt/demo", scope: "system",
                logFiles: #"log_files = ["logs/*.log", "logs/fills.txt"]"#,
                rotation: "\n[log_rotation]\nfrequency = \"weekly\"\nmax_size = \"100M\"\nkeep = 5\n"), in: dir)
        let text = try #require(LogrotateConfig.render(deployment))
        #expect(
            text == """
                # Written by tradectl for project demo from [log_rotation] and the components' log_files.
                # Do not edit: the next deploy overwrites it.
                "/opt/demo/shared/logs/*.log"
                "/opt/demo/shared/logs/fills.txt"
                {
                    # shared/ belongs to the service account: logrotate refuses a directory a non-root
                    # user may write unless it rotates as that user.
                    su root root
                    weekly
                    maxsize 100M
                    rotate 5
                    compress
                    # the newest rotated file stays plain, so a reader still draining it finds it
                    delaycompress
                    missingok
                    notifempty
                    # The engines keep their log file open and never reopen it: copy, then truncate in
                    # place (a rename would leave them writing to the rotated file). No `create` with it.
                    copytruncate
                }

                """)
        #expect(LogrotateConfig.path(project: deployment.project) == "/etc/logrotate.d/demo")
    }

    @Test("no log_files: no configuration")
    func renderNone() throws {
        let dir = TempDir()
        let deployment = try Self.load(
            Self.config(source: "\(dir.path)/src", root: "/opt/demo", logFiles: nil), in: dir)
        #expect(LogrotateConfig.render(deployment) == nil)
    }

    @Test("logrotate -d accepts the configuration of either scope", arguments: ["user", "system"])
    func logrotateAccepts(scope: String) throws {
        let logrotate = LogrotateConfig.executable
        guard FileManager.default.isExecutableFile(atPath: logrotate) else {
            Issue.record("\(logrotate) missing: bash scripts/install-deps.sh")
            return
        }
        let dir = TempDir()
        let root = "\(dir.path)/opt"
        _ = dir.write("opt/shared/logs/engine.log", "2026-12-07 10:00:00,123 - engine - INFO - started\n")
        let deployment = try Self.load(
            Self.config(
                source: "\(dir.path)/src", root: root, scope: scope, logFiles: #"log_files = ["logs/*.log"]"#,
                rotation: "\n[log_rotation]\nmax_size = \"1k\"\n"), in: dir)
        let config = dir.write("logrotate.conf", try #require(LogrotateConfig.render(deployment)))
        // Like logrotate.d: no group/other write bits, and (system scope) owned by root.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: config)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(root)/shared/logs")
        let result = try runProgram(logrotate, ["-d", "--state", "\(dir.path)/logrotate.state", config])
        let output = result.stdout + result.stderr
        #expect(result.status == 0, "\(output)")
        #expect(!output.lowercased().contains("error:"), "\(output)")
        #expect(output.contains("\(root)/shared/logs/engine.log"), "\(output)")
    }

    @Test("offline deploy writes the configuration and the user timer, and removes them with log_files")
    func offlineDeploy() throws {
        let dir = TempDir()
        _ = dir.write("src/engine.py", "\n")
        let root = "\(dir.path)/root"
        let environment = ["HOME": "/home/op", "XDG_CONFIG_HOME": ""]
        let with = dir.write(
            "with.toml",
            Self.config(source: "\(dir.path)/src", root: "/opt/demo", logFiles: #"log_files = ["logs/*.log"]"#))
        let dry = try runTradectl(
            ["deploy", "--dry-run", "--config", with, "--root", root], environment: environment)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("+++ b/opt/demo/state/logrotate.conf"), "\(dry.stdout)")
        #expect(dry.stdout.contains("+\"/opt/demo/shared/logs/*.log\""), "\(dry.stdout)")
        #expect(dry.stdout.contains("demo-logrotate.timer"), "\(dry.stdout)")
        #expect(!FileManager.default.fileExists(atPath: root), "--dry-run wrote under --root")

        let first = try runTradectl(["deploy", "--config", with, "--root", root], environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        let conf = "\(root)/opt/demo/state/logrotate.conf"
        #expect(FileManager.default.fileExists(atPath: conf))
        let units = "\(root)/home/op/.config/systemd/user"
        let service = try String(contentsOfFile: "\(units)/demo-logrotate.service", encoding: .utf8)
        #expect(
            service.contains(
                "ExecStart=/usr/sbin/logrotate --state /opt/demo/state/logrotate.state /opt/demo/state/logrotate.conf"))
        let timer = try String(contentsOfFile: "\(units)/demo-logrotate.timer", encoding: .utf8)
        #expect(timer.contains("OnCalendar=*:0/15"))
        // The enable link points at the unit's path on the target, absent on this host: read the link.
        let wants = "\(units)/timers.target.wants/demo-logrotate.timer"
        #expect(
            try FileManager.default.destinationOfSymbolicLink(atPath: wants)
                == "/home/op/.config/systemd/user/demo-logrotate.timer")

        let without = dir.write(
            "without.toml", Self.config(source: "\(dir.path)/src", root: "/opt/demo", logFiles: nil))
        let second = try runTradectl(["deploy", "--config", without, "--root", root], environment: environment)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(!FileManager.default.fileExists(atPath: conf))
        #expect(!FileManager.default.fileExists(atPath: "\(units)/demo-logrotate.timer"))
        #expect(!FileManager.default.fileExists(atPath: "\(units)/demo-logrotate.service"))
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: wants)) == nil)
    }
}

extension LogRotationTests {
    @Test("system scope: deploy --dry-run shows /etc/logrotate.d/<project> as a diff, no user timer")
    func systemScopeDryRun() throws {
        let dir = TempDir()
        _ = dir.write("src/engine.py", "\n")
        let root = "\(dir.path)/root"
        let config = dir.write(
            "tradectl.toml",
            Self.config(
                source: "\(dir.path)/src", root: "/opt/demo", scope: "system", logFiles: #"log_files = ["logs/*.log"]"#)
        )
        let dry = try runTradectl(["deploy", "--dry-run", "--config", config, "--root", root])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("+++ b/etc/logrotate.d/demo"), "\(dry.stdout)")
        #expect(dry.stdout.contains("+    su root root"), "\(dry.stdout)")
        #expect(!dry.stdout.contains("demo-logrotate.timer"), "\(dry.stdout)")
        #expect(!FileManager.default.fileExists(atPath: root), "--dry-run wrote under --root")
    }
}

/// Runs a host program and collects its output.
func runProgram(_ path: String, _ arguments: [String]) throws -> CLIResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}
