import Foundation
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// A command to run, built first as a value (so tests can compare it with `==`) and run later.
public struct Command: Sendable, Equatable, CustomStringConvertible {
    public var executable: String
    public var arguments: [String]
    public var workingDirectory: String?
    /// Variables added to (or replacing those of) the inherited environment.
    public var environment: [String: String]
    /// The program's standard input (nil: none), so a notification command can read the alert
    /// as JSON the way `mail` reads a message. Given as an in-memory file, not a pipe.
    public var input: Data?

    public init(
        _ executable: String, _ arguments: [String], workingDirectory: String? = nil,
        environment: [String: String] = [:], input: Data? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.workingDirectory = workingDirectory
        self.environment = environment
        self.input = input
    }

    public var description: String { ([executable] + arguments).joined(separator: " ") }
}

/// The outcome of a finished command.
public struct CommandResult: Sendable, Equatable {
    public var status: Int32
    public var signaled: Bool
    public var output: String
    public var errorOutput: String

    public var succeeded: Bool { status == 0 && !signaled }

    /// The last lines of both streams, for error messages.
    public func tail(_ count: Int = 10) -> String {
        let lines = (output + errorOutput).split(separator: "\n").suffix(count)
        return lines.joined(separator: "\n")
    }
}

/// Runs external programs. The real one uses swift-subprocess; tests substitute a recorder.
public protocol ProcessLauncher: Sendable {
    func run(_ command: Command) async throws -> CommandResult
}

/// Runs commands through swift-subprocess, collecting output (up to 64 MiB per stream).
public struct SubprocessLauncher: ProcessLauncher {
    public init() {}

    public func run(_ command: Command) async throws -> CommandResult {
        guard let input = command.input else { return try await run(command, input: .none) }
        // From a memory file, not a pipe: see MemoryFile for the SIGPIPE this avoids.
        let fd = try MemoryFile.make(input)
        defer { close(fd) }
        let stdin = FileDescriptor(rawValue: fd)
        return try await run(command, input: .fileDescriptor(stdin, closeAfterSpawningProcess: false))
    }

    /// One body for both kinds of input: swift-subprocess takes the input as a generic parameter.
    private func run(_ command: Command, input: some InputProtocol) async throws -> CommandResult {
        let executable: Executable =
            command.executable.hasPrefix("/")
            ? .path(FilePath(command.executable)) : .name(command.executable)
        var variables = ProcessInfo.processInfo.environment
        for (key, value) in command.environment { variables[key] = value }
        let environment = Subprocess.Environment.custom(variables.map { Array("\($0.key)=\($0.value)\0".utf8) })
        let result = try await Subprocess.run(
            executable,
            arguments: Arguments(command.arguments),
            environment: environment,
            workingDirectory: command.workingDirectory.map { FilePath($0) },
            input: input,
            output: .string(limit: 64 << 20),
            error: .string(limit: 64 << 20))
        let (status, signaled): (Int32, Bool)
        switch result.terminationStatus {
        case .exited(let code): (status, signaled) = (code, false)
        case .signaled(let signal): (status, signaled) = (signal, true)
        }
        return CommandResult(
            status: status, signaled: signaled, output: result.standardOutput,
            errorOutput: result.standardError)
    }
}
