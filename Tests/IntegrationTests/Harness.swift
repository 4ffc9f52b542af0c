import Foundation
import Testing

@testable import TradeKit

/// Every suite that drives the real user manager is nested here: `.serialized` on the
/// parent runs them one at a time (examples share unit names and ports).
@Suite("Real systemd", .serialized)
enum RealSystemd {}

/// Access to the real systemd user manager and journald started by scripts/systemd-harness.sh.
enum Harness {
    /// Set by the harness: "1" (it started a manager) or "host" (the machine's own).
    static var available: Bool { ProcessInfo.processInfo.environment["TRADECTL_HARNESS"] != nil }

    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
        }
        fatalError("repository root not found")
    }()

    static let binary: String = {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("tradectl").path,
            "\(repoRoot)/.build/debug/tradectl",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// A Saturday: the examples' US-equities `[market]` is closed, so update, rollback, restore
    /// and a restarting deploy run as an operator runs them after the close, whatever hour the
    /// suite runs at (the session gate has its own tests: MarketHoursTests).
    static let closedMarketNow = "2026-12-05T12:00:00Z"

    /// Runs a program; `input`, when given, is piped to its stdin (as a script would). tradectl
    /// runs on the `closedMarketNow` clock unless `environment` sets `TRADECTL_NOW`.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        if executable == binary { env["TRADECTL_NOW"] = closedMarketNow }
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let stdin = input.map { _ in Pipe() }
        if let stdin { process.standardInput = stdin }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        if let stdin, let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    static func systemctl(_ arguments: String...) throws -> Result {
        try run("/bin/systemctl", ["--user", "--no-pager"] + arguments)
    }

    static func property(_ unit: String, _ name: String) throws -> String {
        try systemctl("show", "--property=\(name)", "--value", unit).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    /// Copies `examples/<name>` into `dir` for a test, with one change for the harness: under
    /// its user manager `OnBootSec=` counts from the manager's start, so V6's restart 5 min
    /// "after boot" (`restart_after_boot`) would restart the engine in the middle of whatever
    /// test runs then; the copy waits a day instead.
    static func copyExample(_ name: String, to dir: String) throws {
        try FileManager.default.copyItem(atPath: "\(repoRoot)/examples/\(name)", toPath: "\(dir)/\(name)")
        let config = "\(dir)/\(name)/tradectl.toml"
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try text.replacingOccurrences(of: "restart_after_boot = \"5min\"", with: "restart_after_boot = \"1d\"")
            .write(toFile: config, atomically: true, encoding: .utf8)
    }

    /// Waits until `condition` holds, polling every 200 ms, up to `seconds`.
    static func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            usleep(200_000)
        }
        return try condition()
    }
}

/// A deployment of an example into a temporary root, in user scope, removed afterwards.
final class ScratchDeployment {
    let name: String
    let config: String
    let base: String

    init(example: String) {
        name = example
        monitor = false
        base = NSTemporaryDirectory() + "tradectl-it-\(example)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.removeItem(atPath: base)
        let copy = "\(base)/src"
        do {
            try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
            try Harness.copyExample(example, to: copy)
            config = "\(copy)/\(example)/tradectl.toml"
        } catch {
            config = "\(Harness.repoRoot)/examples/\(example)/tradectl.toml"
        }
    }

    /// Deploy installs the monitor only when `monitor` is true: elsewhere its auto-recovery
    /// would race the test's own restarts.
    let monitor: Bool

    init(name: String, config: String, monitor: Bool = false) {
        self.name = name
        self.config = config
        self.monitor = monitor
        base = NSTemporaryDirectory() + "tradectl-it-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.removeItem(atPath: base)
    }

    /// A test's own overrides, on top of `environment`.
    var overrides: [String: String] = [:]

    /// Earlier tests of a harness session deploy the same example under the same unit names,
    /// some failing it on purpose (the monitor test's dashboard crash loop logs a traceback
    /// per start, an error since the examples declare `log_format = "python"`), and the
    /// journal check counts the last hour: a test that needs a healthy example raises them.
    static let ignoringEarlierErrors = [
        "TRADECTL_HEALTH_ERRORS_WARN_PER_HOUR": "100000", "TRADECTL_HEALTH_ERRORS_CRIT_PER_HOUR": "100001",
    ]

    /// Environment overrides that put the example in user scope under `base`.
    var environment: [String: String] {
        overrides.merging([
            "TRADECTL_PROJECT_SCOPE": "user", "TRADECTL_PROJECT_ROOT": "\(base)/opt/\(name)",
            "TRADECTL_PROJECT_STATE_DIR": "\(base)/state", "TRADECTL_BACKUP_DIR": "\(base)/backups",
            "TRADECTL_KILL_SWITCH_FILE": "\(base)/opt/\(name)/shared/KILL",
            "TRADECTL_MONITOR_ENABLED": monitor ? "true" : "false",
        ]) { _, base in base }
    }

    func tradectl(_ arguments: [String]) throws -> Harness.Result {
        try Harness.run(Harness.binary, ["--config", config] + arguments, environment: environment)
    }

    /// Stops and removes this project's units, then its files.
    func tearDown() {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
        let unitDir = "\(home)/.config/systemd/user"
        let units = ((try? FileManager.default.contentsOfDirectory(atPath: unitDir)) ?? []).filter {
            // `<name>.service`/`.timer` too: a component named like its project (ivcrush).
            $0.hasPrefix("\(name)-") || $0.hasPrefix("\(name).")
        }
        if !units.isEmpty {
            _ = try? Harness.run("/bin/systemctl", ["--user", "stop"] + units)
            for unit in units { try? FileManager.default.removeItem(atPath: "\(unitDir)/\(unit)") }
            for target in ["default.target.wants", "timers.target.wants"] {
                for unit in units { try? FileManager.default.removeItem(atPath: "\(unitDir)/\(target)/\(unit)") }
            }
            _ = try? Harness.systemctl("daemon-reload")
            _ = try? Harness.run("/bin/systemctl", ["--user", "reset-failed"] + units)
        }
        // The config deploy installed for the units (user scope: ~/.config/tradectl).
        for suffix in ["toml", "env"] {
            try? FileManager.default.removeItem(atPath: "\(home)/.config/tradectl/\(name).\(suffix)")
        }
        try? FileManager.default.removeItem(atPath: base)
    }
}
