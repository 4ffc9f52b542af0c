import Foundation

/// Checks of `[alerts]` receivers and routes, `[kill_switch]` auto-halt and components' log files:
/// every route names known receivers, components, checks and kinds; every receiver has what
/// its type needs, and its secrets are variable names, never values.
extension ConfigValidator {
    /// Check names a route may match: the health checks and the monitor's own alert sources.
    static var routableChecks: [String] {
        HealthSuite.names + ["journal-pattern", "log-pattern", "recovery", "auto-halt", "test"]
    }

    func validateAlerts(_ deployment: Deployment) {
        let alerts = deployment.alerts
        if let envFile = alerts.envFile { relativePath(envFile, "alerts.env_file") }
        var names: Set<String> = []
        for (index, receiver) in alerts.receivers.enumerated() {
            let path = "alerts.receivers[\(index)]"
            if receiver.name.wholeMatch(of: Self.namePattern) == nil {
                error("\(path).name", "must match [a-z][a-z0-9-]{0,31}, got \"\(receiver.name)\"")
            }
            if !names.insert(receiver.name).inserted {
                error("\(path).name", "duplicate receiver name \"\(receiver.name)\"")
            }
            validateReceiver(receiver, path: path)
        }
        var routeNames: Set<String> = []
        for (index, route) in alerts.routes.enumerated() {
            let path = "alerts.routes[\(index)]"
            if !routeNames.insert(route.name).inserted {
                error("\(path).name", "duplicate route name \"\(route.name)\"")
            }
            if route.receivers.isEmpty { error("\(path).receivers", "must name at least one receiver") }
            for name in route.receivers where !names.contains(name) {
                error("\(path).receivers", "names unknown receiver \"\(name)\"")
            }
            for name in route.components where deployment.component(named: name) == nil {
                error("\(path).components", "names unknown component \"\(name)\"")
            }
            for name in route.checks where !Self.routableChecks.contains(name) {
                error(
                    "\(path).checks",
                    "names unknown check \"\(name)\"; known: \(Self.routableChecks.joined(separator: ", "))")
            }
            for kind in route.kinds where Alert.Kind(rawValue: kind) == nil {
                let known = Alert.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                error("\(path).kinds", "names unknown alert kind \"\(kind)\"; known: \(known)")
            }
            if route.active != .always, deployment.market.sessions.isEmpty {
                error("\(path).active", "\"\(route.active.rawValue)\" needs [market] sessions")
            }
        }
        if !alerts.routes.isEmpty, alerts.webhookURL != nil || !alerts.command.isEmpty {
            warning(
                "alerts.routes",
                "with routes, alerts.webhook_url and alerts.command are not used; declare them as receivers")
        }
        let killSwitch = deployment.killSwitch
        if killSwitch.autoHaltAfter > 0, killSwitch.components.isEmpty {
            error("kill_switch.auto_halt_after", "there is nothing to halt: kill_switch.components is empty")
        }
    }

    private func validateReceiver(_ receiver: ReceiverConfig, path: String) {
        for (value, key) in [
            (receiver.urlEnv, "url_env"), (receiver.passwordEnv, "password_env"),
            (receiver.routingKeyEnv, "routing_key_env"), (receiver.tokenEnv, "token_env"),
        ] {
            guard let value else { continue }
            if value.wholeMatch(of: Self.variablePattern) == nil {
                // Never echo it: someone may have pasted the secret itself here.
                error("\(path).\(key)", "must be the name of a variable in alerts.env_file, not a value")
            }
        }
        if let url = receiver.url, !(url.hasPrefix("https://") || url.hasPrefix("http://")) || URL(string: url) == nil {
            error("\(path).url", "must be an http(s) URL")
        }
        func require(_ present: Bool, _ key: String) {
            if !present { error("\(path).\(key)", "is required for a \(receiver.type.rawValue) receiver") }
        }
        switch receiver.type {
        case .slack:
            require(receiver.urlEnv != nil, "url_env")
        case .webhook:
            if receiver.urlEnv == nil && receiver.url == nil {
                error("\(path).url_env", "a webhook needs url_env or url")
            }
        case .email:
            require(receiver.smtpURL != nil, "smtp_url")
            require(receiver.from != nil, "from")
            require(!receiver.to.isEmpty, "to")
            if let smtp = receiver.smtpURL, !(smtp.hasPrefix("smtp://") || smtp.hasPrefix("smtps://")) {
                error("\(path).smtp_url", "must start with smtp:// (STARTTLS) or smtps:// (TLS), got \"\(smtp)\"")
            }
            if receiver.passwordEnv != nil, receiver.username == nil {
                error("\(path).username", "is required with password_env")
            }
            for (index, address) in receiver.to.enumerated() where !address.contains("@") {
                error("\(path).to[\(index)]", "is not an email address: \"\(address)\"")
            }
            if let caFile = receiver.caFile, !caFile.hasPrefix("/") {
                error("\(path).ca_file", "must be an absolute path")
            }
        case .pagerduty:
            require(receiver.routingKeyEnv != nil, "routing_key_env")
        case .telegram:
            require(receiver.tokenEnv != nil, "token_env")
            require(receiver.chatID != nil, "chat_id")
        case .command:
            require(!receiver.command.isEmpty, "command")
            if let program = receiver.command.first, !program.hasPrefix("/") {
                error("\(path).command", "must start with an absolute path to the program")
            }
        }
    }

    func validateLogs(_ deployment: Deployment) {
        for (index, component) in deployment.components.enumerated() {
            for (item, glob) in component.logFiles.enumerated() {
                relativePath(glob, "components[\(index)].log_files[\(item)]")
            }
        }
    }
}
