import Foundation
import Logging
import ServiceLifecycle

/// Its synchronous `enqueue` and `stats` satisfy the protocol's async requirements.
extension NotificationQueue: AlertSink {}

/// Wires a deployment's monitor together: notifiers and their queue, the cycle, the journal
/// follower, the metrics endpoint and textfile. `tradectl monitor` is a thin call into this.
public final class MonitorRuntime: Sendable {
    public let deployment: Deployment
    public let queue: NotificationQueue
    public let cycle: MonitorCycle
    let fileSystem: FileSystem
    let logger: Logger
    let suite: HealthSuite

    public init(suite: HealthSuite, logger: Logger) {
        deployment = suite.deployment
        fileSystem = suite.fileSystem
        self.logger = logger
        self.suite = suite
        let alerts = suite.deployment.alerts
        let secrets = SecretVariables.load(
            envFile: suite.deployment.alerts.envFile, layout: suite.layout, fileSystem: suite.fileSystem,
            environment: suite.environment)
        let settler = OutboxSettler(path: suite.fileSystem.hostPath(suite.layout.stateDatabase))
        queue = NotificationQueue(
            notifiers: Notifiers.make(from: alerts, secrets: secrets, logger: logger), capacity: alerts.queueSize,
            retries: alerts.retries,
            logger: logger, settle: settler.settle)
        cycle = MonitorCycle(suite: suite, sink: queue, logger: logger)
    }

    /// The units the journal follower watches: the same as the journal health check.
    var units: [String] { cycle.suite.unitsForJournal }

    /// How long a short-lived run waits for notifiers: every attempt of one alert, plus backoff.
    var deliveryBudget: Duration {
        deployment.alerts.timeout.duration * (deployment.alerts.retries + 1)
            + .seconds(2 * (deployment.alerts.retries + 1))
    }

    /// `monitor --once`: one cycle over what the journal has now, alerts delivered (bounded wait).
    public func once() async -> MonitorSnapshot {
        let follower = JournalFollower(units: units, cursor: await cycle.savedCursor(), logger: logger)
        let snapshot = await cycle.run(journal: follower.readAvailable)
        writeTextfile(snapshot)
        _ = await queue.drain(timeout: deliveryBudget)
        queue.shutdown()
        return snapshot
    }

    /// `monitor test-alert`: one test alert through every notifier, or through one route's
    /// receivers (and the journal); their counters after it. nil: no such route.
    public func testAlert(route: String? = nil) async -> [MonitorSnapshot.NotifierSample]? {
        let alert = Alert(
            key: "test", kind: .test, severity: .info, project: deployment.project.name,
            host: ProcessInfo.processInfo.hostName, check: "test", target: "",
            summary:
                "test alert from tradectl monitor test-alert\(route.map { " (route \($0))" } ?? ""); delivery works",
            at: Date())
        var receivers: [String]? = nil
        if let route {
            guard let names = cycle.router.receivers(ofRoute: route) else {
                queue.shutdown()
                return nil
            }
            receivers = names
            queue.enqueue(alert, to: names)
        } else {
            queue.enqueue(alert)
        }
        _ = await queue.drain(timeout: deliveryBudget)
        let stats = queue.stats().filter { sample in
            receivers.map { $0.contains(sample.name) } ?? true || sample.name == "journal"
        }
        queue.shutdown()
        return stats
    }

    /// The daemon: the cycle loop and the metrics endpoint in one ServiceGroup, graceful on
    /// SIGTERM/SIGINT; queued alerts get a few seconds to go out before exit.
    public func runDaemon() async throws {
        let monitor = deployment.monitor
        await cycle.watchConfig(ConfigWatch(path: deployment.configPath, environment: suite.environment))
        let server = monitor.metricsListen.flatMap(MetricsAddress.init(parsing:)).map {
            MetricsServer(address: $0, logger: logger)
        }
        let daemon = MonitorDaemon(
            cycle: cycle, follower: JournalFollower(units: units, cursor: await cycle.savedCursor(), logger: logger),
            interval: monitor.interval.duration, watchdog: ServiceNotifier.watchdogInterval(), logger: logger
        ) { [self] snapshot in
            server?.publish(snapshot)
            writeTextfile(snapshot)
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: daemon)]
        if let server {
            try server.start()  // bind now: a taken port is an error at startup, not a silent gap
            services.append(.init(service: MetricsEndpoint(server: server)))
        }
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        try await ServiceGroup(configuration: configuration).run()
        _ = await queue.drain(timeout: .seconds(5))
        queue.shutdown()
    }

    private func writeTextfile(_ snapshot: MonitorSnapshot) {
        guard let directory = deployment.monitor.textfileDir else { return }
        do {
            _ = try TextfileWriter(fileSystem: fileSystem).write(
                MetricsExposition.render(snapshot), directory: directory, project: deployment.project.name)
        } catch {
            logger.warning("metrics textfile not written: \(error)")
        }
    }
}

/// The metrics server as a Service: serves until the group shuts down.
struct MetricsEndpoint: Service {
    let server: MetricsServer
    func run() async throws {
        try await cancelWhenGracefulShutdown { try await server.run() }
    }
}
