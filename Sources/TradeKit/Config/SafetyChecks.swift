import Foundation

/// Checks that need the file system: env files holding API keys must be mode 0600.
public enum SafetyChecks {
    public static func fileChecks(_ deployment: Deployment, fileSystem: FileSystem) -> [ConfigIssue] {
        var issues: [ConfigIssue] = []
        let production = deployment.project.environment == .production
        var checked: Set<String> = []
        for (index, component) in deployment.components.enumerated() {
            guard let envFile = component.envFile, checked.insert(envFile).inserted else { continue }
            let path = "\(deployment.project.root)/shared/\(envFile)"
            guard let info = fileSystem.info(path), info.kind == .file else { continue }
            guard info.mode & 0o077 != 0 else { continue }
            let key = "components[\(index)].env_file"
            let message =
                "\(path) is mode \(String(info.mode, radix: 8)); secrets must be 0600 (chmod 600 \(fileSystem.hostPath(path)))"
            issues.append(
                ConfigIssue(
                    production ? .error : .warning, origin: deployment.origins.origin(key),
                    configPath: deployment.configPath, key: key, message: message))
        }
        return issues
    }
}

/// `config check --json`: `{"file", "valid", "errors": [...], "warnings": [...]}`.
public enum ConfigCheckReport {
    public static func json(path: String, issues: [ConfigIssue]) -> String {
        struct Report: Encodable {
            var file: String
            var valid: Bool
            var errors: [ConfigIssue]
            var warnings: [ConfigIssue]
        }
        let errors = issues.filter { $0.severity == .error }
        let report = Report(
            file: path, valid: errors.isEmpty, errors: errors, warnings: issues.filter { $0.severity == .warning })
        return JSONOutput.string(report)
    }
}
