import Foundation

/// Talks to systemd by running `systemctl` (`--user` for user scope).
///
/// The fallback to `SystemdBus`, chosen only with `TRADECTL_SERVICE_MANAGER=systemctl`
/// (`ServiceManagers.connect`): every call is a child process (~10 ms), which is what the
/// in-process bus avoids. Commands are built as values (`command(_:)`) so tests can assert
/// the exact lines.
public struct Systemctl: ServiceManager {
    public var scope: Scope
    public var launcher: ProcessLauncher

    public init(scope: Scope, launcher: ProcessLauncher = SubprocessLauncher()) {
        self.scope = scope
        self.launcher = launcher
    }

    public func command(_ arguments: [String]) -> Command {
        Command("systemctl", (scope == .user ? ["--user"] : []) + ["--no-pager"] + arguments)
    }

    public func status(of units: [String]) async throws -> [String: UnitStatus] {
        guard !units.isEmpty else { return [:] }
        let result = try await checked(
            command(["show", "--property=" + UnitStatus.propertyNames.joined(separator: ",")] + units))
        return Self.parseShow(result.output)
    }

    /// Arbitrary properties of units in one call, timestamps as `@<unix seconds>`.
    public func properties(_ names: [String], of units: [String]) async throws -> [String: [String: String]] {
        guard !units.isEmpty else { return [:] }
        var show = command(
            ["show", "--timestamp=unix", "--property=" + (["Id"] + names).joined(separator: ",")] + units)
        // Some properties ignore --timestamp; in UTC and the C locale they parse reliably.
        show.environment = ["TZ": "UTC", "LC_ALL": "C"]
        let result = try await checked(show)
        var properties: [String: [String: String]] = [:]
        for block in result.output.components(separatedBy: "\n\n") {
            var fields: [String: String] = [:]
            for line in block.split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
            if let id = fields["Id"] { properties[id] = fields }
        }
        return properties
    }

    public func daemonReload() async throws {
        _ = try await checked(command(["daemon-reload"]))
    }

    public func perform(_ verb: UnitVerb, units: [String]) async throws {
        _ = try await checked(command([verb.rawValue] + units))
    }

    private func checked(_ command: Command) async throws -> CommandResult {
        let result: CommandResult
        do {
            result = try await launcher.run(command)
        } catch {
            throw ServiceManagerUnavailable(detail: "cannot run systemctl: \(error)")
        }
        if !result.succeeded {
            let message = result.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            if message.contains("Failed to connect to bus") || message.contains("System has not been booted")
                || message.contains("No such file or directory") && message.contains("connect")
            {
                throw ServiceManagerUnavailable(detail: message)
            }
            throw SystemctlError(command: command.description, output: message)
        }
        return result
    }

    /// Parses `systemctl show` output: blocks of `Key=Value` separated by blank lines.
    static func parseShow(_ text: String) -> [String: UnitStatus] {
        var statuses: [String: UnitStatus] = [:]
        for block in text.components(separatedBy: "\n\n") {
            var fields: [String: String] = [:]
            for line in block.split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
            guard let id = fields["Id"], !id.isEmpty else { continue }
            statuses[id] = UnitStatus(
                name: id, loadState: fields["LoadState"] ?? "", activeState: fields["ActiveState"] ?? "",
                subState: fields["SubState"] ?? "", result: fields["Result"] ?? "",
                restarts: Int(fields["NRestarts"] ?? "") ?? 0, mainPID: Int(fields["MainPID"] ?? "") ?? 0,
                unitFileState: fields["UnitFileState"] ?? "")
        }
        return statuses
    }
}
