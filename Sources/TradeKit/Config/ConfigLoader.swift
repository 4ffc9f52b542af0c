import Foundation
import TOMLKit

/// `--project` names no installed config, or several are installed and none was named: exit 64.
public struct ConfigLocationError: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { .usage }
    public var message: String
    public var description: String { message }
}

/// Finds, parses and validates `tradectl.toml` into a `Deployment`.
public struct ConfigLoader: Sendable {
    /// Flag overrides; flags win over the environment, which wins over the file.
    public struct Overrides: Sendable {
        public var source: String?
        public init(source: String? = nil) { self.source = source }
    }

    public var environment: [String: String]
    public var workingDirectory: String
    /// Where `locate` looks for installed configs, in order: the user's (`~/.config/tradectl`)
    /// unless running as root, then the system's (`/etc/tradectl`).
    public var installedDirectories: [String]

    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) {
        self.environment = environment
        self.workingDirectory = workingDirectory
        let scopes: [Scope] = getuid() == 0 ? [.system] : [.user, .system]
        installedDirectories = scopes.map { InstalledConfig.directory(scope: $0, environment: environment) }
    }

    /// `--config`, else `$TRADECTL_CONFIG`, else the installed config of `--project NAME`, else
    /// `./tradectl.toml`, else the one installed config (`~/.config/tradectl/*.toml` for a
    /// non-root user, then `/etc/tradectl/*.toml`). Several installed and no `--project`: an
    /// error naming them (exit 64).
    public func locate(explicit: String?, project: String? = nil) throws -> String {
        if let explicit { return absolute(explicit) }
        if let fromEnvironment = environment["TRADECTL_CONFIG"], !fromEnvironment.isEmpty {
            return absolute(fromEnvironment)
        }
        if let project {
            let candidates = installedDirectories.map { "\($0)/\(project).toml" }
            if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
            throw ConfigLocationError(
                message:
                    "no installed config for project \"\(project)\" (looked for \(candidates.joined(separator: " and "))); "
                    + "deploy it first, or pass --config PATH")
        }
        let local = absolute("tradectl.toml")
        if FileManager.default.fileExists(atPath: local) { return local }
        let installed = installedDirectories.flatMap(InstalledConfig.installed(in:))
        if installed.count == 1 { return installed[0].path }
        if installed.count > 1 {
            throw ConfigLocationError(
                message: "several projects are installed here (\(installed.map(\.project).joined(separator: ", "))); "
                    + "pass --project NAME or --config PATH")
        }
        return "/etc/tradectl/tradectl.toml"
    }

    /// Loads the config; throws `ConfigError` listing every error found (warnings ride along).
    public func load(path: String, overrides: Overrides = .init()) throws -> (Deployment, [ConfigIssue]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            let reason =
                exists
                ? "cannot be read (permission denied?)"
                : "not found; pass --config PATH or --project NAME, or set TRADECTL_CONFIG"
            throw ConfigError(issues: [.init(.error, file: path, line: nil, key: "config", message: reason)])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(issues: [
                .init(.error, file: path, line: nil, key: "config", message: "is not UTF-8 text")
            ])
        }
        // The secrets env file `deploy` wrote beside an installed config; the process environment wins.
        var withSecrets = self
        withSecrets.environment = InstalledConfig.overrides(besideConfig: path).merging(environment) { _, process in
            process
        }
        return try withSecrets.parse(text: text, path: path, overrides: overrides)
    }

    /// Parses config text; `path` is used for messages and to resolve relative paths.
    public func parse(text: String, path: String, overrides: Overrides = .init()) throws -> (Deployment, [ConfigIssue])
    {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            let line = error.source.begin.line
            let key = Self.keyNear(line: line, in: text)
            throw ConfigError(issues: [
                .init(.error, file: path, line: line, key: key, message: "TOML syntax: \(error.description)")
            ])
        }
        let locator = KeyLocator(source: text)
        var root = Self.convert(table, path: "", file: path, locator: locator)
        let issues = IssueCollector(configPath: path)
        EnvironmentOverrides(environment: environment).apply(to: &root, issues: issues)
        if let source = overrides.source {
            Self.set(&root, section: "releases", key: "source", to: .init(.string(source), origin: .flag("--source")))
        }
        let origins = OriginIndex(root: root)
        var deployment = DeploymentDecoder(configPath: path, issues: issues, workingDirectory: workingDirectory)
            .decode(root)
        deployment?.origins = origins
        if let deployment { ConfigValidator(issues: issues, origins: origins).validate(deployment) }
        guard let deployment, !issues.hasErrors else { throw ConfigError(issues: issues.issues) }
        return (deployment, issues.issues)
    }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/")
            ? path : URL(fileURLWithPath: workingDirectory).appendingPathComponent(path).standardized.path
    }

    static func set(_ root: inout ConfigNode, section: String, key: String, to node: ConfigNode) {
        guard case .table(var sections, var order) = root.value else { return }
        var sectionNode = sections[section] ?? ConfigNode(.table([:], order: []), origin: node.origin)
        if case .table(var entries, var keys) = sectionNode.value {
            if entries[key] == nil { keys.append(key) }
            entries[key] = node
            sectionNode.value = .table(entries, order: keys)
        }
        if sections[section] == nil { order.append(section) }
        sections[section] = sectionNode
        root.value = .table(sections, order: order)
    }

    /// The key written on a line, for syntax errors (TOMLKit gives only the line).
    private static func keyNear(line: Int, in text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count else { return "config" }
        let content = lines[line - 1].trimmingCharacters(in: .whitespaces)
        if let equals = content.firstIndex(of: "=") {
            return content[..<equals].trimmingCharacters(in: .whitespaces)
        }
        return content.isEmpty ? "config" : String(content.prefix(40))
    }

    /// Copies TOMLKit's tree into `ConfigNode`s with the line of each key.
    static func convert(_ value: TOMLValueConvertible, path: String, file: String, locator: KeyLocator) -> ConfigNode {
        let origin = ConfigOrigin.file(path: file, line: locator.line(for: path) ?? 1)
        switch value.type {
        case .table:
            guard let table = value.table else { return .init(.other(""), origin: origin) }
            var entries: [String: ConfigNode] = [:]
            var order: [String] = []
            for (key, child) in table {
                let childPath = path.isEmpty ? key : "\(path).\(key)"
                entries[key] = convert(child, path: childPath, file: file, locator: locator)
                order.append(key)
            }
            return .init(.table(entries, order: order), origin: origin)
        case .array:
            guard let array = value.array else { return .init(.other(""), origin: origin) }
            let items = array.enumerated().map { index, child in
                convert(child, path: "\(path)[\(index)]", file: file, locator: locator)
            }
            return .init(.array(items), origin: origin)
        case .string: return .init(.string(value.string ?? ""), origin: origin)
        case .int: return .init(.integer(value.int ?? 0), origin: origin)
        case .double: return .init(.double(value.double ?? 0), origin: origin)
        case .bool: return .init(.bool(value.bool ?? false), origin: origin)
        case .date, .time, .dateTime: return .init(.other(value.debugDescription), origin: origin)
        }
    }
}
