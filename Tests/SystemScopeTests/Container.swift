import Foundation

/// The result of one process run: status and both outputs.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String

    var output: String { stdout + stderr }
    var trimmed: String { stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// Runs a host program to completion. Outputs go to temporary files, not pipes, so a
/// chatty child can never block on a full pipe while we wait for it.
func runHost(
    _ executable: String, _ arguments: [String], environment: [String: String] = [:], input: String? = nil
)
    throws -> RunResult
{
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("systemscope-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let outURL = dir.appendingPathComponent("out")
    let errURL = dir.appendingPathComponent("err")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    defer {
        try? out.close()
        try? err.close()
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    process.standardOutput = out
    process.standardError = err
    let stdin = Pipe()
    process.standardInput = input == nil ? FileHandle.nullDevice : stdin
    try process.run()
    if let input {
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
    }
    process.waitUntilExit()
    return RunResult(
        status: process.terminationStatus,
        stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
}

/// A Debian 12 container booted with systemd as PID 1 by scripts/booted-systemd.sh.
final class Container: @unchecked Sendable {
    let name: String
    let script: String
    /// Host path of the container's `/`.
    private(set) var root = ""

    init(name: String, repoRoot: String) {
        self.name = name
        script = "\(repoRoot)/scripts/booted-systemd.sh"
    }

    private func harness(
        _ arguments: [String], environment: [String: String] = [:], input: String? = nil
    ) throws -> RunResult {
        try runHost("/bin/bash", [script] + arguments, environment: environment, input: input)
    }

    /// Ensures the cached rootfs, boots a fresh copy, returns the boot output.
    func boot(binds: [String]) throws -> RunResult {
        let rootfs = try harness(["rootfs"])
        guard rootfs.status == 0 else { return rootfs }
        _ = try harness(["stop", name])  // a leftover of an interrupted run
        let boot = try harness(["boot", name], environment: ["BOOTED_BINDS": binds.joined(separator: " ")])
        guard boot.status == 0 else { return boot }
        root = try harness(["path", name]).trimmed
        return boot
    }

    func stop() {
        _ = try? harness(["stop", name])
    }

    /// Runs a command inside as root, killed after `timeout` seconds (exit 124).
    @discardableResult
    func exec(_ command: [String], timeout: Int = 300, input: String? = nil) throws -> RunResult {
        try harness(["exec", name, "--", "timeout", "-k", "10", "\(timeout)"] + command, input: input)
    }

    /// Runs a shell snippet inside (`/bin/sh -c`).
    @discardableResult
    func sh(_ script: String, timeout: Int = 300) throws -> RunResult {
        try exec(["/bin/sh", "-c", script], timeout: timeout)
    }

    func systemctl(_ arguments: String...) throws -> RunResult {
        try exec(["systemctl", "--no-pager"] + arguments)
    }

    func property(_ unit: String, _ name: String) throws -> String {
        try exec(["systemctl", "show", "--property=\(name)", "--value", unit]).trimmed
    }

    /// Host path of a path inside the container.
    func hostPath(_ path: String) -> String { root + path }

    /// Copies a host file or directory to `destination` inside (replacing it).
    func copyIn(_ source: String, to destination: String) throws {
        let target = hostPath(destination)
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let copy = try runHost("/bin/cp", ["-a", "--no-preserve=ownership", source, target])
        guard copy.status == 0 else { throw SuiteError("cp \(source) \(target): \(copy.stderr)") }
    }

    func write(_ text: String, to path: String) throws {
        let target = hostPath(path)
        try FileManager.default.createDirectory(
            atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: target, atomically: true, encoding: .utf8)
    }

    /// Waits until `condition` holds, polling every `every` seconds, up to `seconds`.
    func eventually(_ seconds: Double, every: Double = 0.5, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: every)
        }
        return try condition()
    }
}

struct SuiteError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
