import Foundation

/// Gathers `tradectl status`: one service-manager query for every unit, the state DB, the
/// kill switch, and the last error lines read from the journal in-process.
public struct StatusService: Sendable {
    public var deployment: Deployment
    public var fileSystem: FileSystem
    public var environment: [String: String]
    public var launcher: ProcessLauncher
    public var services: ServiceManager

    /// `services` nil: `ServiceManagers.connect` for the project's scope and `environment`.
    public init(
        deployment: Deployment, fileSystem: FileSystem, environment: [String: String],
        launcher: ProcessLauncher = SubprocessLauncher(), services: ServiceManager? = nil
    ) {
        self.deployment = deployment
        self.fileSystem = fileSystem
        self.environment = environment
        self.launcher = launcher
        self.services =
            services
            ?? ServiceManagers.connect(scope: deployment.project.scope, environment: environment, launcher: launcher)
    }

    static let properties = [
        "ActiveState", "SubState", "ActiveEnterTimestamp", "NRestarts", "MainPID", "MemoryCurrent", "LastTriggerUSec",
        "NextElapseUSecRealtime", "Result", "ExecMainExitTimestamp",
    ]

    public func gather(errorLines: Int = 5) async -> StatusReport {
        let project = deployment.project
        let layout = DeployLayout(deployment, environment: environment)
        var units: [String] = []
        for component in deployment.components {
            units.append(UnitNames.service(project.name, component.name))
            if component.kind == .oneshot { units.append(UnitNames.timer(project.name, component.name)) }
        }
        var properties: [String: [String: String]] = [:]
        var systemdError: String?
        do {
            properties = try await services.properties(Self.properties, of: units)
        } catch {
            systemdError = "\(error)"
        }
        let components = deployment.components.map { component in
            Self.state(component, project: project.name, properties: properties)
        }
        let store =
            fileSystem.info(layout.stateDatabase) == nil
            ? nil : try? StateStore(surveying: fileSystem.hostPath(layout.stateDatabase))
        let killSwitch =
            fileSystem.info(deployment.killSwitch.file) == nil
            ? nil
            : fileSystem.read(deployment.killSwitch.file).map { String(decoding: $0, as: UTF8.self) }.map {
                $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
                    ? "engaged" : $0.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        let unitNames = deployment.components.map { UnitNames.service(project.name, $0.name) }
        let errors = await blocking { Self.recentErrors(units: unitNames, count: errorLines) }
        return StatusReport(
            project: project.name, environment: project.environment.rawValue, scope: project.scope.rawValue,
            release: release(layout: layout, store: store), components: components, killSwitch: killSwitch,
            lastBackup: (try? store?.backups())?.first { $0.status == "complete" }.map {
                .init(path: $0.path, created: $0.created, size: $0.size, verifiedAt: $0.verifiedAt)
            },
            lastHealth: (try? store?.lastHealth()).flatMap { $0 }.map { .init(at: $0.at, status: $0.status) },
            recentErrors: errors, systemdError: systemdError)
    }

    private func release(layout: DeployLayout, store: StateStore?) -> StatusReport.Release? {
        guard let link = fileSystem.info(layout.current)?.linkTarget, link.hasPrefix("releases/") else { return nil }
        let version = String(link.dropFirst("releases/".count))
        let deploy = (try? store?.deploys())?.last {
            $0.version == version && $0.outcome == "success" && $0.changes > 0
        }
        let metadata = fileSystem.read("\(layout.release(version))/\(ReleaseMetadata.fileName)").flatMap(
            ReleaseMetadata.decode)
        return .init(
            version: version, deployedAt: deploy?.finishedAt ?? metadata?.createdAt, deployedBy: metadata?.createdBy)
    }

    static func state(
        _ component: Component, project: String, properties: [String: [String: String]]
    ) -> StatusReport.ComponentState {
        let unit = UnitNames.service(project, component.name)
        let service = properties[unit] ?? [:]
        let timer = component.kind == .oneshot ? properties[UnitNames.timer(project, component.name)] ?? [:] : [:]
        let memory = service["MemoryCurrent"].flatMap(Int.init).flatMap { $0 < Int.max / 2 ? $0 : nil }
        let state =
            component.kind == .oneshot
            ? "timer \(timer["ActiveState"] ?? "unknown"), service \(service["ActiveState"] ?? "unknown")"
            : "\(service["ActiveState"] ?? "unknown") (\(service["SubState"] ?? "?"))"
        return .init(
            name: component.name, kind: component.kind.rawValue, unit: unit, state: state,
            since: TimerCheck.time(service["ActiveEnterTimestamp"]), restarts: Int(service["NRestarts"] ?? "") ?? 0,
            mainPID: Int(service["MainPID"] ?? "") ?? 0, memoryBytes: memory,
            lastRun: TimerCheck.time(timer["LastTriggerUSec"]),
            nextRun: TimerCheck.time(timer["NextElapseUSecRealtime"]),
            lastResult: component.kind == .oneshot && service["ExecMainExitTimestamp"].flatMap(TimerCheck.time) != nil
                ? service["Result"] : nil)
    }

    /// The last error lines (priority ≤ err) of the project's units, newest last.
    static func recentErrors(units: [String], count: Int) -> [String] {
        guard let reader = try? JournalReader() else { return ["(journal not readable)"] }
        let filter = JournalFilter(groups: [
            JournalUnitField.alternatives(units, also: (0...3).map { "PRIORITY=\($0)" })
        ])
        guard (try? reader.apply(filter)) != nil, (try? reader.seekTail()) != nil else { return [] }
        var lines: [String] = []
        let formatter = ISO8601DateFormatter()
        while lines.count < count, (try? reader.previous()) == true {
            let time = (try? reader.realtime()).map { Date(timeIntervalSince1970: Double($0) / 1_000_000) }
            let unit = JournalUnitField.unit(of: reader) ?? "?"
            lines.append("\(time.map { formatter.string(from: $0) } ?? "?") \(unit): \(reader.field("MESSAGE") ?? "")")
        }
        return lines.reversed()
    }
}
