import Foundation

/// `[preflight]` and the components' pre-flight keys (docs/configuration.md, `tradectl doctor`).
extension DeploymentSchema {
    static var preflight: SchemaSection<PreflightConfig> {
        SchemaSection(keys: [
            .key(
                "min_free_memory_mib", \.minFreeMemoryMiB, .integer(), default: .value(256),
                doc: "`doctor`: MemAvailable below this is an error", format: "integer (MiB)"),
            .key(
                "min_free_disk_mib", \.minFreeDiskMiB, .integer(), default: .value(1024),
                doc: "`doctor`: free space below this on the filesystem of the root, state or backup directory is "
                    + "an error", format: "integer (MiB)"),
            .key(
                "depends_on_tcp", \.dependsOnTCP, .stringList, default: .value([]),
                doc: "`host:port` the project needs (a broker gateway): `doctor` connects to each; unreachable is a "
                    + "warning", format: "list of `host:port`", check: endpoints),
            .key(
                "require_tcp", \.requireTCP, .bool, default: .value(false),
                doc: "an unreachable `depends_on_tcp` (project's or a component's) is an error, not a warning"),
            .key(
                "connect_timeout", \.connectTimeout, .duration, default: .value(.seconds(3)),
                doc: "how long `doctor` waits for a TCP dependency to accept"),
            .key(
                "require_clock_sync", \.requireClockSync, .bool,
                default: .derived(doc: "`true` when `environment = \"production\"`") { _, context in
                    context.deployment.project.environment == .production
                },
                doc: "a clock the kernel does not report NTP-synchronised is an error, not a warning"),
        ])
    }

    /// `[[components]]`: the component's keys, then its pre-flight keys (kept here, so the
    /// component section of DeploymentSchema.swift stays as it was).
    static var componentAndPreflight: SchemaSection<Component> {
        var section = component
        section.keys += componentPreflight
        return section
    }

    /// Appended to the component section: what `doctor` checks for this component.
    static var componentPreflight: [SchemaKey<Component>] {
        [
            .key(
                "interpreters", \.preflight.interpreters, .stringTable, default: .value([]),
                doc: "interpreter → version constraint, e.g. `{ python3 = \">=3.11\" }`: `doctor` runs it with "
                    + "`--version` (the `exec` program when its name starts with the key, else the key on `PATH`)",
                omitWhen: \.isEmpty,
                check: { table, _ in
                    table.compactMap { entry in
                        VersionConstraint(parsing: entry.value) == nil
                            ? KeyProblem(
                                suffix: ".\(entry.key)",
                                message: "must be a version constraint such as \">=3.11\" or \">=3.10, <3.13\", "
                                    + "got \"\(entry.value)\"") : nil
                    }
                }),
            .key(
                "required_env", \.preflight.requiredEnv, .stringList, default: .value([]),
                doc: "variables that must be set and non-empty in `env_file` (`doctor` names a missing one, never "
                    + "a value)", format: "list of variable names", omitWhen: \.isEmpty,
                check: { names, _ in
                    names.filter { !EnvFile.isValidKey($0) }.map {
                        KeyProblem(message: "\"\($0)\" is not a variable name")
                    }
                }),
            .key(
                "ports", \.preflight.ports, .portList, default: .value([]),
                doc: "TCP ports the component listens on: `doctor` wants them free or held by this project's own "
                    + "running units (the port of a `probes.http` on the local host counts too)",
                format: "list of ports", omitWhen: \.isEmpty),
            .key(
                "depends_on_tcp", \.preflight.dependsOnTCP, .stringList, default: .value([]),
                doc: "`host:port` this component needs, checked like `preflight.depends_on_tcp`",
                format: "list of `host:port`", omitWhen: \.isEmpty, check: endpoints),
        ]
    }

    static func endpoints(_ values: [String], _: DecodeContext) -> [KeyProblem] {
        values.filter { TCPEndpoint(parsing: $0) == nil }.map {
            KeyProblem(message: "\"\($0)\" is not host:port")
        }
    }
}

extension ValueType where Value == [Int] {
    /// `[8501, 9464]`: TCP ports, 1–65535.
    static var portList: ValueType {
        ValueType(
            kind: .stringList,
            read: { reader, key, _ in
                guard let node = reader.node(key) else { return nil }
                guard case .array(let items) = node.value else {
                    reader.report(key, "must be a list of ports, got \(node.value.typeName)")
                    return nil
                }
                var ports: [Int] = []
                for (index, item) in items.enumerated() {
                    guard case .integer(let port) = item.value, (1...65_535).contains(port) else {
                        reader.report(key, suffix: "[\(index)]", "must be a port number 1–65535", at: item.origin)
                        continue
                    }
                    ports.append(port)
                }
                return ports
            }, literal: { value, _ in "[" + value.map(String.init).joined(separator: ", ") + "]" },
            docText: { "[" + $0.map(String.init).joined(separator: ", ") + "]" })
    }
}

/// `host:port`, as `depends_on_tcp` and probes name an endpoint.
public struct TCPEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(" "), let port = Int(text[text.index(after: colon)...]),
            (1...65_535).contains(port)
        else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
