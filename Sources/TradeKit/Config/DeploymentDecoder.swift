import Foundation

/// Turns the located TOML tree into a `Deployment`: `DeploymentSchema` says what each key is,
/// and its default; type errors and unknown keys are recorded with file, line and key.
struct DeploymentDecoder {
    let configPath: String
    let issues: IssueCollector
    let workingDirectory: String

    func decode(_ root: ConfigNode) -> Deployment? {
        let fileOrigin = ConfigOrigin.file(path: configPath, line: 1)
        let top = SectionReader(path: "", node: root, issues: issues, fallbackOrigin: fileOrigin)
        let context = DecodeContext(deployment: Deployment(configPath: configPath))
        for key in DeploymentSchema.root.keys {
            // Each section sees the ones decoded before it (`kill_switch` defaults from `components`).
            var deployment = context.deployment
            key.read(top, &deployment, context)
            context.deployment = deployment
        }
        top.finish()
        return context.deployment
    }
}

extension Deployment {
    /// An empty deployment the decoder fills in; every section starts from placeholders.
    init(configPath: String) {
        self.init(
            configPath: configPath, project: .init(), releases: .init(), components: [], deploy: .init(),
            backup: .init(), health: .init(), monitor: .init(), alerts: .init(), killSwitch: .init())
    }
}
