import Foundation

/// The values of the variables receivers name in their `*_env` keys.
///
/// Read from `alerts.env_file` in `shared/` (the monitor unit also loads it with
/// `EnvironmentFile=`), then from the process environment for variables the file does not
/// set. Values live only in this struct and in the notifiers built from it: never in the
/// config, `config show`, plans, state or alerts.
public struct ReceiverSecrets: Sendable {
    private let values: [String: String]
    /// Where they were looked for, for messages: `shared/.env`, never a value.
    public let source: String

    public init(values: [String: String], source: String = "the environment") {
        self.values = values
        self.source = source
    }

    /// `alerts.env_file` (if set and readable) over the process environment.
    public static func load(
        deployment: Deployment, layout: DeployLayout, fileSystem: FileSystem, environment: [String: String]
    ) -> ReceiverSecrets {
        var values = environment
        guard let envFile = deployment.alerts.envFile else { return ReceiverSecrets(values: values) }
        let path = fileSystem.hostPath(layout.shared(envFile))
        if let data = FileManager.default.contents(atPath: path) {
            for line in EnvFile(String(decoding: data, as: UTF8.self)).lines {
                guard let key = EnvFile.key(of: line), let equals = line.firstIndex(of: "=") else { continue }
                values[key] = EnvFile.unquote(String(line[line.index(after: equals)...]))
            }
        }
        return ReceiverSecrets(values: values, source: "shared/\(envFile) or the environment")
    }

    /// The value of `variable`, nil when unset or empty.
    public func value(_ variable: String?) -> String? {
        guard let variable, let value = values[variable], !value.isEmpty else { return nil }
        return value
    }
}
