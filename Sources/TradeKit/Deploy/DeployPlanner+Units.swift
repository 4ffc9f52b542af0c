import Foundation

extension DeployPlanner {
    /// Writes unit files and enable links; removes units of components no longer configured.
    /// Returns the names of units whose files were created or changed.
    func planUnits(_ plan: inout Plan) -> Set<String> {
        var changed: Set<String> = []
        let desired = Set(survey.units.map(\.name))
        let stale = survey.installedUnits.filter { !desired.contains($0) }
        if !stale.isEmpty, !request.offline, let statuses = survey.unitStatuses {
            let active = stale.filter {
                statuses[$0]?.activeState == "active" || statuses[$0]?.activeState == "activating"
            }
            if !active.isEmpty { plan.add(.systemctl(.stop, units: active), .run, note: "no longer configured") }
        }
        for name in stale {
            for target in ["multi-user.target", "default.target", "timers.target"] {
                let link = layout.units.wantsLink(name, target: target)
                if survey.paths[link] != nil { plan.add(.remove(path: link), .delete) }
            }
            plan.add(.remove(path: layout.units.file(name)), .delete, note: "no longer configured")
            changed.insert(name)
        }
        for unit in survey.units {
            let path = layout.units.file(unit.name)
            let before = plan.changes.count
            planFile(&plan, path: path, content: Data(unit.content.utf8), mode: 0o644, owner: nil)
            if plan.changes.count > before { changed.insert(unit.name) }
            switch unit.activation {
            case .start(let target):
                _ = planLink(
                    &plan, path: layout.units.wantsLink(unit.name, target: target), target: path, note: "enable")
            case .installedOnly(let reason):
                if plan.changes.count > before { plan.notes.append("\(unit.name) installed, not enabled: \(reason)") }
            case .triggered:
                break
            }
        }
        return changed
    }

    /// daemon-reload, start or restart, and the health gate — only with a live manager.
    func planManager(_ plan: inout Plan, unitFilesChanged: Set<String>, releaseChanged: Bool, configChanged: Bool) {
        guard !request.offline else {
            plan.notes.append(
                "offline install under --root: units are installed and enabled but nothing is started; "
                    + "on the target run `systemctl daemon-reload` and start them (or reboot)")
            return
        }
        guard let statuses = survey.unitStatuses else {
            plan.notes.append("no service manager reachable: units installed, not reloaded or started")
            return
        }
        if !unitFilesChanged.isEmpty { plan.add(.daemonReload, .run) }
        guard !request.noStart else {
            plan.notes.append("--no-start: units installed and enabled, not started")
            return
        }
        var toStart: [String] = []
        var toRestart: [String] = []
        let held = survey.halted && !request.startWhileHalted ? Set(deployment.killSwitch.components) : []
        if !held.isEmpty {
            plan.notes.append(
                "kill switch engaged: \(held.sorted().joined(separator: ", ")) not started or restarted (--start overrides)"
            )
        }
        for unit in survey.units {
            guard case .start = unit.activation else { continue }
            if let component = unit.component, held.contains(component) { continue }
            let active = statuses[unit.name]?.activeState == "active"
            // A new release restarts the components' services; tradectl's own (the monitor) run
            // the tradectl binary, not the release, and restart when their unit changed or when
            // the installed config they read at start did.
            let changed =
                unitFilesChanged.contains(unit.name) || (releaseChanged && unit.isService && unit.component != nil)
                || (configChanged && unit.isService && unit.component == nil)
            if !active {
                toStart.append(unit.name)
            } else if changed {
                toRestart.append(unit.name)
            }
        }
        if !toStart.isEmpty { plan.add(.systemctl(.start, units: toStart), .run) }
        if !toRestart.isEmpty {
            let why = releaseChanged ? "new release" : configChanged ? "unit or config changed" : "unit changed"
            plan.add(.systemctl(.restart, units: toRestart), .run, note: why)
        }
        guard !toStart.isEmpty || !toRestart.isEmpty else { return }
        plan.add(
            .waitHealthy(gateSpec()), .run, note: "timeout \(request.healthTimeout ?? deployment.deploy.healthTimeout)")
    }

    private func gateSpec() -> HealthGateSpec {
        var targets: [HealthGateSpec.Target] = []
        var timers: [String] = []
        let held = survey.halted && !request.startWhileHalted ? Set(deployment.killSwitch.components) : []
        for unit in survey.units {
            guard case .start = unit.activation else { continue }
            if let component = unit.component, held.contains(component) { continue }
            if unit.isTimer {
                timers.append(unit.name)
            } else if let name = unit.component, let component = deployment.component(named: name) {
                targets.append(
                    .init(component: name, unit: unit.name, probes: ProbeSpec.of(component, root: layout.root)))
            }
        }
        return HealthGateSpec(
            targets: targets, timers: timers, timeout: request.healthTimeout ?? deployment.deploy.healthTimeout)
    }
}
