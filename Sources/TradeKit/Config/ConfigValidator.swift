import Foundation

/// Cross-field, safety and production checks on a decoded `Deployment`.
/// Each check is documented in docs/configuration.md ("Production safety checks").
struct ConfigValidator {
    let issues: IssueCollector
    let origins: OriginIndex

    nonisolated(unsafe) static let namePattern = /^[a-z][a-z0-9-]{0,31}$/
    nonisolated(unsafe) private static let accountPattern = /^[a-z_][a-z0-9_-]{0,31}$/
    nonisolated(unsafe) static let variablePattern = /^[A-Za-z_][A-Za-z0-9_]*$/

    func validate(_ deployment: Deployment) {
        validateProject(deployment.project)
        validateReleases(deployment.releases)
        var seen: Set<String> = []
        for (index, component) in deployment.components.enumerated() {
            let path = "components[\(index)]"
            if !seen.insert(component.name).inserted {
                error("\(path).name", "duplicate component name \"\(component.name)\"")
            }
            validateComponent(component, path: path, deployment: deployment)
        }
        validateDependencyCycles(deployment.components)
        validateUnitNames(deployment)
        validateUnitBoundSections(deployment)
        validateAlerts(deployment)
        validateOffsite(deployment.backup.offsite)
        validateLogs(deployment)
        validateProduction(deployment)
    }

    func error(_ key: String, _ message: String) { issues.error(key, message, at: origins.origin(key)) }
    func warning(_ key: String, _ message: String) { issues.warning(key, message, at: origins.origin(key)) }

    /// Values that end up in unit files: no injection, no whitespace in paths.
    private func unitSafe(_ value: String?, _ key: String, isPath: Bool = false) {
        guard let value else { return }
        if let problem = UnitValue.problem(in: value) {
            error(key, "\(problem); refused")
        } else if isPath, value.contains(where: \.isWhitespace) {
            error(key, "must not contain whitespace (it is placed in unit files)")
        }
    }

    private func absolutePath(_ value: String, _ key: String) {
        if !value.hasPrefix("/") { error(key, "must be an absolute path, got \"\(value)\"") }
        unitSafe(value, key, isPath: true)
    }

    func relativePath(_ value: String, _ key: String) {
        let parts = value.split(separator: "/")
        if value.isEmpty || value.hasPrefix("/") || parts.contains("..") {
            error(key, "must be a relative path inside the project without \"..\", got \"\(value)\"")
        }
        unitSafe(value, key, isPath: true)
    }

    private func validateProject(_ project: ProjectConfig) {
        if project.name.wholeMatch(of: Self.namePattern) == nil {
            error("project.name", "must match [a-z][a-z0-9-]{0,31} (it prefixes unit names), got \"\(project.name)\"")
        }
        for (value, key) in [(project.user, "project.user"), (project.group, "project.group")]
        where value.wholeMatch(of: Self.accountPattern) == nil {
            error(key, "must be a valid user/group name ([a-z_][a-z0-9_-]*), got \"\(value)\"")
        }
        absolutePath(project.root, "project.root")
        absolutePath(project.stateDir, "project.state_dir")
        if let path = project.tradectlPath { absolutePath(path, "project.tradectl_path") }
        if let templates = project.templatesDir, !FileManager.default.fileExists(atPath: templates) {
            error("project.templates_dir", "directory not found: \(templates)")
        }
    }

    private func validateReleases(_ releases: ReleasesConfig) {
        var isDirectory: ObjCBool = false
        if !releases.source.isEmpty,
            !FileManager.default.fileExists(atPath: releases.source, isDirectory: &isDirectory)
                || !isDirectory.boolValue
        {
            warning("releases.source", "directory not found: \(releases.source) (pass --source to deploy)")
        }
        for (index, shared) in releases.shared.enumerated() {
            relativePath(shared.path, "releases.shared[\(index)]")
        }
        for (index, hook) in releases.build.enumerated() where hook.trimmingCharacters(in: .whitespaces).isEmpty {
            error("releases.build[\(index)]", "is empty")
        }
    }

    private func validateComponent(_ component: Component, path: String, deployment: Deployment) {
        if component.name.wholeMatch(of: Self.namePattern) == nil {
            error("\(path).name", "must match [a-z][a-z0-9-]{0,31}, got \"\(component.name)\"")
        }
        validateExec(component.exec, "\(path).exec")
        relativePath(component.workingDir, "\(path).working_dir")
        if let envFile = component.envFile {
            relativePath(envFile, "\(path).env_file")
            if !deployment.releases.shared.contains(where: { $0.path == envFile && !$0.isDirectory }) {
                warning("\(path).env_file", "\"\(envFile)\" is not listed in releases.shared; it is read from shared/")
            }
        }
        for (key, value) in component.environment {
            if key.wholeMatch(of: Self.variablePattern) == nil {
                error("\(path).environment.\(key)", "is not a valid environment variable name")
            }
            unitSafe(value, "\(path).environment.\(key)")
            if Secrets.isSecretKey(key) {
                warning("\(path).environment.\(key)", "looks like a secret; put it in the env_file (mode 0600) instead")
            }
        }
        switch component.kind {
        case .oneshot:
            if component.schedule == nil { error("\(path).schedule", "is required for a oneshot component") }
            if component.restart == .always || component.restart == .onAbnormal {
                error("\(path).restart", "a oneshot may only use \"no\" or \"on-failure\"")
            }
            if component.restartDaily != nil { error("\(path).restart_daily", "only applies to services") }
            if component.restartEvery != nil { error("\(path).restart_every", "only applies to services") }
        case .service:
            if component.schedule != nil {
                error("\(path).schedule", "only oneshot components run on a schedule (set kind = \"oneshot\")")
            }
            if component.scheduleRandomDelay != nil {
                error("\(path).schedule_random_delay", "only oneshot components run on a schedule")
            }
            if component.retries > 0 {
                error("\(path).retries", "only applies to oneshots (a service restarts per `restart`)")
            }
            if component.restartDaily != nil && component.restartEvery != nil {
                error("\(path).restart_every", "set restart_daily or restart_every, not both")
            }
            if let every = component.restartEvery, every.milliseconds < 60_000 {
                error("\(path).restart_every", "must be at least 1min, got \"\(every)\"")
            }
        }
        if component.retries > 0 && component.retryDelay.milliseconds < 1000 {
            error("\(path).retry_delay", "must be at least 1s, got \"\(component.retryDelay)\"")
        }
        unitSafe(component.schedule, "\(path).schedule")
        unitSafe(component.restartDaily, "\(path).restart_daily")
        for (list, key) in [(component.after, "after"), (component.requires, "requires")] {
            for name in list where deployment.component(named: name) == nil || name == component.name {
                error("\(path).\(key)", "names unknown component \"\(name)\"")
            }
        }
        validateProbes(component.probes, path: "\(path).probes")
    }

    /// Two units must not share a name: a component called `backup` would overwrite tradectl's
    /// own `<project>-backup.service`, and one named like the project (`<project>.service`) has
    /// its restart helper at `<project>-restart.service`, where a component `restart` would be.
    private func validateUnitNames(_ deployment: Deployment) {
        let project = deployment.project.name
        var owners: [String: String] = [:]
        for role in ["backup", "health", "monitor", "logrotate"] {
            for suffix in ["service", "timer"] {
                owners[UnitNames.own(project, role, suffix)] = "tradectl's own \(role) unit"
            }
        }
        var seen: Set<String> = []
        for (index, component) in deployment.components.enumerated() where seen.insert(component.name).inserted {
            var names = [UnitNames.service(project, component.name)]
            if component.kind == .oneshot { names.append(UnitNames.timer(project, component.name)) }
            if component.hasScheduledRestart {
                names += [
                    UnitNames.restartService(project, component.name), UnitNames.restartTimer(project, component.name),
                ]
            }
            for name in names {
                if let owner = owners[name] {
                    error("components[\(index)].name", "its unit \(name) is also \(owner); rename the component")
                } else {
                    owners[name] = "a unit of component \"\(component.name)\""
                }
            }
        }
    }

    private func validateExec(_ exec: String, _ key: String) {
        unitSafe(exec, key)
        guard let first = exec.split(separator: " ").first else {
            error(key, "is empty")
            return
        }
        if !first.hasPrefix("/") && first.contains("/") {
            error(key, "the program must be an absolute path or a bare name systemd can find, got \"\(first)\"")
        }
    }

    private func validateProbes(_ probes: Probes, path: String) {
        if let http = probes.http {
            if URL(string: http)?.host == nil || !(http.hasPrefix("http://") || http.hasPrefix("https://")) {
                error("\(path).http", "must be an http:// URL, got \"\(http)\"")
            }
        }
        if let tcp = probes.tcp {
            let parts = tcp.split(separator: ":")
            if parts.count < 2 || parts.first?.isEmpty != false || !(1...65535).contains(Int(parts.last ?? "") ?? 0) {
                error("\(path).tcp", "must be host:port with a port 1–65535, got \"\(tcp)\"")
            }
        }
        if let heartbeat = probes.heartbeat { relativePath(heartbeat, "\(path).heartbeat") }
        if let sqlite = probes.sqlite { relativePath(sqlite, "\(path).sqlite") }
    }

    private func validateDependencyCycles(_ components: [Component]) {
        var edges: [String: [String]] = [:]
        for component in components { edges[component.name] = component.after + component.requires }
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        func visit(_ name: String, _ trail: [String]) -> [String]? {
            if state[name] == 2 { return nil }
            if state[name] == 1 { return trail + [name] }
            state[name] = 1
            for next in edges[name] ?? [] where edges[next] != nil {
                if let cycle = visit(next, trail + [name]) { return cycle }
            }
            state[name] = 2
            return nil
        }
        for (index, component) in components.enumerated() {
            if let cycle = visit(component.name, []) {
                error("components[\(index)].after", "dependency cycle: \(cycle.joined(separator: " → "))")
                return
            }
        }
    }

    private func validateUnitBoundSections(_ deployment: Deployment) {
        absolutePath(deployment.backup.dir, "backup.dir")
        unitSafe(deployment.backup.schedule, "backup.schedule")
        unitSafe(deployment.health.schedule, "health.schedule")
        absolutePath(deployment.killSwitch.file, "kill_switch.file")
        unitSafe(deployment.configPath, "config path", isPath: true)
        for (index, database) in deployment.backup.databases.enumerated() {
            relativePath(database, "backup.databases[\(index)]")
        }
        for (index, path) in deployment.backup.paths.enumerated() { relativePath(path, "backup.paths[\(index)]") }
    }

    private func validateProduction(_ deployment: Deployment) {
        let production = deployment.project.environment == .production
        for (index, component) in deployment.components.enumerated() {
            if production && component.dryRun {
                error("components[\(index)].dry_run", "a component marked dry-run must not run in production")
            }
            if component.trades && component.stopTimeout == nil {
                let message = "a component that trades needs stop_timeout long enough to finish pending orders"
                production
                    ? error("components[\(index)].stop_timeout", message)
                    : warning("components[\(index)].stop_timeout", message)
            }
        }
        if production && deployment.project.scope == .user {
            warning("project.scope", "user scope in production: no sandboxing, and units stop with the user's session")
        }
        if production && deployment.releases.keep < 2 {
            warning("releases.keep", "keep < 2 leaves no release to roll back to")
        }
    }
}
