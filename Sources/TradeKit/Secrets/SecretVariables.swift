import Foundation

/// The values of the variables a config names in its `*_env` keys (alert receivers,
/// `[backup.offsite]`): an env file in `shared/` over tradectl's own environment.
///
/// Values live only in this struct and in what is built from it (a notifier, an rclone
/// process's environment): never in the config, `config show`, plans, state, argv or logs.
public struct SecretVariables: Sendable {
    private let values: [String: String]
    /// Where they were looked for, for messages: `shared/.env or the environment`, never a value.
    public let source: String

    public init(values: [String: String], source: String = "the environment") {
        self.values = values
        self.source = source
    }

    /// `envFile` in `shared/` (when set and readable) over `environment`.
    public static func load(
        envFile: String?, layout: DeployLayout, fileSystem: FileSystem, environment: [String: String]
    ) -> SecretVariables {
        var values = environment
        guard let envFile else { return SecretVariables(values: values) }
        if let data = fileSystem.read(layout.shared(envFile)) {
            for line in EnvFile(String(decoding: data, as: UTF8.self)).lines {
                guard let key = EnvFile.key(of: line), let equals = line.firstIndex(of: "=") else { continue }
                values[key] = EnvFile.unquote(String(line[line.index(after: equals)...]))
            }
        }
        return SecretVariables(values: values, source: "shared/\(envFile) or the environment")
    }

    /// The value of `variable`, nil when unset or empty.
    public func value(_ variable: String?) -> String? {
        guard let variable, let value = values[variable], !value.isEmpty else { return nil }
        return value
    }
}
