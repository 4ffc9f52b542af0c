import Foundation

@testable import TradeKit

/// Paths of the repository, the built binary and the examples, found from this file.
enum Repo {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url.path
            }
        }
        fatalError("repository root not found above \(#filePath)")
    }()

    static var examples: [String] { ["ivcrush", "v6", "thetagang", "databento"] }
    static func example(_ name: String) -> String { "\(root)/examples/\(name)/tradectl.toml" }

    /// The tradectl binary built next to the test bundle.
    static let binary: String = {
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("tradectl").path,
            Bundle.main.bundleURL.appendingPathComponent("tradectl").path,
            "\(root)/.build/debug/tradectl",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()
}

/// A temporary directory removed when the value is released.
final class TempDir {
    let path: String
    init(_ label: String = "tradectl-test") {
        let template = NSTemporaryDirectory() + "\(label).XXXXXX"
        var bytes = Array(template.utf8CString)
        path = bytes.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ relative: String, _ text: String, mode: Int = 0o644) -> String {
        let file = "\(path)/\(relative)"
        try? FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: file, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
        return file
    }
}

/// Runs the real binary and collects its output.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// A Saturday: a `[market]` (the v6 and thetagang examples trade US equities) is closed, so the
/// commands the session gate holds back during a session run as after the close, whatever hour
/// the suite runs at. Tests of the gate pass their own `TRADECTL_NOW` (MarketHoursTests).
let closedMarketNow = "2026-12-05T12:00:00Z"

/// Runs the real binary. Stdin is `input` through a pipe (as a script would call it), or
/// /dev/null, so a test never waits at a prompt even when `swift test` runs on a terminal.
/// The market-hours clock is `closedMarketNow` unless `environment` sets `TRADECTL_NOW`.
func runTradectl(
    _ arguments: [String], input: String? = nil, environment: [String: String] = [:], directory: String? = nil
) throws -> CLIResult {
    var env = ProcessInfo.processInfo.environment
    for key in env.keys where key.hasPrefix("TRADECTL_") && key != "TRADECTL_TEMPLATES_DIR" { env[key] = nil }
    env["TRADECTL_NOW"] = closedMarketNow
    for (key, value) in environment { env[key] = value }
    let (process, stdin, out, err) = try launchRetryingBadDescriptor {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repo.binary)
        process.arguments = arguments
        process.environment = env
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let stdin = input.map { _ in Pipe() }
        process.standardInput = stdin ?? FileHandle.nullDevice
        let (out, err) = (Pipe(), Pipe())
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, stdin, out, err)
    }
    if let stdin, let input {
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CLIResult(
        status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs `launch` (which builds and starts a Process) again when the spawn failed with EBADF.
/// Foundation's Process sets up the child's descriptors from the parent's at spawn time, and
/// under the unit tests' concurrency another thread's descriptors open and close meanwhile; a
/// unit-test run once failed so (`Bad file descriptor` from `run()`, swiftlang/swift#57827 is
/// the same symptom). The spawn failed before anything ran, so a new Process is the same run.
func launchRetryingBadDescriptor<T>(_ launch: () throws -> T) throws -> T {
    for _ in 0..<3 {
        do {
            return try launch()
        } catch let error as NSError where isBadDescriptor(error) {
            continue
        }
    }
    return try launch()
}

/// EBADF from a failed spawn, as Foundation reports it (NSCocoaErrorDomain 256 over POSIX 9).
private func isBadDescriptor(_ error: NSError) -> Bool {
    let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError
    return (error.domain == NSPOSIXErrorDomain && error.code == Int(EBADF))
        || (underlying?.domain == NSPOSIXErrorDomain && underlying?.code == Int(EBADF))
}

/// A minimal valid config; tests append or replace lines to break it.
func minimalConfig(source: String, root: String = "/opt/demo", extra: String = "") -> String {
    """
    [project]
    name = "demo"
    environment = "paper"
    root = "\(root)"
    scope = "user"
    state_dir = "\(root)/state"

    [releases]
    source = "\(source)"
    shared = ["data/", ".env"]

    [[components]]
    name = "engine"
    exec = "/usr/bin/python3 engine.py"
    env_file = ".env"
    stop_timeout = "30s"
    trades = true

    [backup]
    dir = "\(root)/backups"
    \(extra)
    """
}
