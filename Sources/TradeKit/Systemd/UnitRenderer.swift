import Foundation

/// Renders every unit of a deployment from the templates. Pure: same input, same units.
public struct UnitRenderer: Sendable {
    public var deployment: Deployment
    public var templates: TemplateSet
    /// The tradectl binary placed in tradectl's own units.
    public var tradectlPath: String
    /// The installed config tradectl's own units read (`InstalledConfig.path`): the effective
    /// config of this deploy, overrides included, so the units need no `Environment=` of their own.
    public var configPath: String

    public init(
        deployment: Deployment, templates: TemplateSet, tradectlPath: String, environment: [String: String] = [:]
    ) {
        self.deployment = deployment
        self.templates = templates
        self.tradectlPath = deployment.project.tradectlPath ?? tradectlPath
        configPath = InstalledConfig.path(
            project: deployment.project.name, scope: deployment.project.scope, environment: environment)
    }

    private var project: ProjectConfig { deployment.project }
    private var isSystem: Bool { project.scope == .system }
    private var defaultTarget: String { isSystem ? "multi-user.target" : "default.target" }

    public func render() throws -> [UnitFile] {
        var units: [UnitFile] = []
        for component in deployment.components {
            units += try componentUnits(component)
        }
        units += try ownUnits()
        units += try logrotateUnits()
        return units
    }

    private func base(_ description: String, unitName: String) -> [String: Any] {
        var context: [String: Any] = [
            "description": description, "unitName": unitName, "project": project.name,
            "environmentName": project.environment.rawValue, "system": isSystem,
        ]
        if isSystem {
            context["user"] = project.user
            context["group"] = project.group
        }
        return context
    }

    private func componentUnits(_ component: Component) throws -> [UnitFile] {
        let serviceName = UnitNames.service(project.name, component.name)
        var context = base("\(project.name) \(component.name) (\(project.environment.rawValue))", unitName: serviceName)
        context["component"] = component.name
        context["type"] = component.kind == .service ? "simple" : "oneshot"
        context["execStart"] = component.exec
        context["workingDirectory"] =
            component.workingDir == "."
            ? "\(project.root)/current" : "\(project.root)/current/\(component.workingDir)"
        context["syslogIdentifier"] = UnitNames.base(project.name, component.name)
        if let envFile = component.envFile { context["envFile"] = "\(project.root)/shared/\(envFile)" }
        // Every component learns where the kill switch is, so an engine can refuse new orders
        // while the file exists (`tradectl halt`), even before it is stopped.
        let environment = component.environment + [(key: "TRADECTL_KILL_SWITCH", value: deployment.killSwitch.file)]
        context["environment"] = environment.map { ["assignment": Self.quoted("\($0.key)=\($0.value)")] }
        if component.kind == .oneshot && component.retries > 0 {
            // systemd ≥ 252 restarts a failed oneshot; the start limit ends the retries: the first
            // run and `retries` more, all within a window twice as long as their delays.
            let runs = component.retries + 1
            context["restart"] = RestartPolicy.onFailure.rawValue
            context["restartSec"] = component.retryDelay.unitSpan
            context["startLimitBurst"] = "\(runs)"
            context["startLimitIntervalSec"] =
                ConfigDuration(milliseconds: 2 * runs * component.retryDelay.milliseconds).unitSpan
        } else if component.restart != .no || component.kind == .service {
            context["restart"] = component.restart.rawValue
            context["restartSec"] = component.restartSec.description
            context["startLimitBurst"] = "10"
            context["startLimitIntervalSec"] = "300"
        }
        if let stop = component.stopTimeout { context["timeoutStopSec"] = stop.description }
        var after = (component.after + component.requires).map { UnitNames.service(project.name, $0) }
        // A user manager has no network-online.target (a Wants= on it is a silent no-op there).
        if component.network && isSystem {
            after.append(Self.networkOnline)
            context["wants"] = Self.networkOnline
        }
        if !after.isEmpty { context["after"] = after.joined(separator: " ") }
        if !component.requires.isEmpty {
            context["requires"] = component.requires.map { UnitNames.service(project.name, $0) }.joined(separator: " ")
        }
        if isSystem { context["readWritePaths"] = "\(project.root)/shared" }

        var units: [UnitFile] = []
        switch component.kind {
        case .service:
            context["wantedBy"] = defaultTarget
            units.append(
                .init(
                    name: serviceName, content: try templates.render("service", context: context),
                    activation: .start(wantedBy: defaultTarget), component: component.name))
        case .oneshot:
            units.append(
                .init(
                    name: serviceName, content: try templates.render("service", context: context),
                    activation: .triggered, component: component.name))
            units.append(
                try timer(
                    UnitNames.timer(project.name, component.name), activates: serviceName,
                    when: .calendar(component.schedule ?? ""),
                    description: "\(project.name) \(component.name) schedule", component: component.name,
                    randomDelay: component.scheduleRandomDelay))
        }
        if component.kind == .service {
            if let daily = component.restartDaily {
                units += try restartUnits(component, serviceName: serviceName, when: .calendar(daily))
            } else if let every = component.restartEvery {
                units += try restartUnits(
                    component, serviceName: serviceName,
                    when: .monotonic(afterBoot: component.restartAfterBoot, every: every))
            }
        }
        return units
    }

    static let networkOnline = "network-online.target"

    /// When a timer fires: on a calendar (`OnCalendar=`, `Persistent=true`) or on monotonic
    /// spans (`OnBootSec=` then `OnUnitActiveSec=`, V6's daily restart).
    enum TimerTrigger {
        case calendar(String)
        case monotonic(afterBoot: ConfigDuration, every: ConfigDuration)
    }

    /// A oneshot + timer that restarts a service daily (e.g. to reconnect to a broker gateway).
    private func restartUnits(_ component: Component, serviceName: String, when: TimerTrigger) throws -> [UnitFile] {
        let name = UnitNames.restartService(project.name, component.name)
        var context = base("Daily restart of \(serviceName)", unitName: name)
        context["component"] = component.name
        context["type"] = "oneshot"
        context["execStart"] = "/bin/systemctl \(isSystem ? "" : "--user ")restart \(serviceName)"
        context["syslogIdentifier"] = "\(UnitNames.base(project.name, component.name))-restart"
        // Restarting a unit needs the manager's private socket, which only root may open:
        // no user switch, but a sandbox of its own (restart.service.mustache) in system scope.
        context["user"] = nil
        context["group"] = nil
        return [
            .init(
                name: name, content: try templates.render("restart.service", context: context), activation: .triggered,
                component: component.name),
            try timer(
                UnitNames.restartTimer(project.name, component.name), activates: name, when: when,
                description: "Daily restart of \(serviceName)", component: component.name),
        ]
    }

    private func timer(
        _ name: String, activates unit: String, when: TimerTrigger, description: String, component: String?,
        template: String = "timer", activation: UnitFile.Activation = .start(wantedBy: "timers.target"),
        randomDelay: ConfigDuration? = nil
    ) throws -> UnitFile {
        var context = base(description, unitName: name)
        context["unit"] = unit
        switch when {
        case .calendar(let spec):
            context["onCalendar"] = spec
            context["persistent"] = true
        case .monotonic(let afterBoot, let every):
            context["onBootSec"] = afterBoot.unitSpan
            context["onUnitActiveSec"] = every.unitSpan
        }
        if let randomDelay, randomDelay.milliseconds > 0 { context["randomizedDelaySec"] = randomDelay.unitSpan }
        return .init(
            name: name, content: try templates.render(template, context: context), activation: activation,
            component: component)
    }

    private func ownUnits() throws -> [UnitFile] {
        var context = base("", unitName: "")
        context["tradectlPath"] = tradectlPath
        context["configPath"] = configPath
        // Secrets of the config (a webhook URL) reach the units through this file, never the unit text.
        context["secretsFile"] = InstalledConfig.secretsPath(forConfig: configPath)
        // The monitor also writes its metrics textfile, wherever node_exporter reads it.
        let writable =
            [project.root, project.stateDir, deployment.backup.dir] + [deployment.monitor.textfileDir].compactMap { $0 }
        context["readWritePaths"] = writable.joined(separator: " ")
        context["watchdogSec"] = deployment.monitor.watchdog.description
        var units: [UnitFile] = []
        let roles: [(role: String, schedule: String?)] =
            [
                ("backup", deployment.backup.schedule), ("health", deployment.health.schedule),
            ] + (deployment.monitor.enabled ? [("monitor", nil)] : [])
        for (role, schedule) in roles {
            let available = TradectlCommands.available.contains(role)
            let pending = UnitFile.Activation.installedOnly(reason: "`tradectl \(role)` is not in this build yet")
            let serviceName = UnitNames.own(project.name, role, "service")
            context["unitName"] = serviceName
            context["description"] = "tradectl \(role) of \(project.name)"
            context["onCalendar"] = schedule
            context["ipAddressAllow"] = OwnUnitNetwork.ipAddressAllow(role: role, deployment: deployment)
            let serviceActivation: UnitFile.Activation =
                !available ? pending : schedule == nil ? .start(wantedBy: defaultTarget) : .triggered
            units.append(
                .init(
                    name: serviceName, content: try templates.render("tradectl-\(role).service", context: context),
                    activation: serviceActivation, component: nil))
            if let schedule {
                units.append(
                    try timer(
                        UnitNames.own(project.name, role, "timer"), activates: serviceName, when: .calendar(schedule),
                        description: "tradectl \(role) schedule of \(project.name)", component: nil,
                        template: "tradectl-\(role).timer",
                        activation: available ? .start(wantedBy: "timers.target") : pending,
                        randomDelay: role == "backup" ? deployment.backup.randomDelay : nil))
            }
        }
        return units
    }

    /// User scope: a timer running logrotate on the components' `log_files` with tradectl's own
    /// state file (system scope relies on the host's logrotate.timer and `/etc/logrotate.d`).
    /// None when no component has log files, so deploy removes them as stale.
    private func logrotateUnits() throws -> [UnitFile] {
        guard !isSystem, LogrotateConfig.render(deployment) != nil else { return [] }
        let serviceName = UnitNames.own(project.name, "logrotate", "service")
        var context = base("logrotate of \(project.name)'s log files", unitName: serviceName)
        context["logrotatePath"] = LogrotateConfig.executable
        context["statePath"] = LogrotateConfig.statePath(project: project)
        context["logrotateConfig"] = LogrotateConfig.path(project: project)
        context["onCalendar"] = deployment.logRotation.schedule
        return [
            .init(
                name: serviceName, content: try templates.render("tradectl-logrotate.service", context: context),
                activation: .triggered, component: nil),
            try timer(
                UnitNames.own(project.name, "logrotate", "timer"), activates: serviceName,
                when: .calendar(deployment.logRotation.schedule), description: "logrotate schedule of \(project.name)",
                component: nil, template: "tradectl-logrotate.timer"),
        ]
    }

    /// `KEY=value` inside double quotes, with `\` and `"` escaped as systemd expects.
    static func quoted(_ assignment: String) -> String {
        assignment.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
