import Foundation
import Logging

/// `tradectl health`: build the checks, run them concurrently, record the run.
public struct HealthService: Sendable {
    public var suite: HealthSuite
    public var logger: Logger

    public init(suite: HealthSuite, logger: Logger) {
        self.suite = suite
        self.logger = logger
    }

    public func run(only: Set<String> = [], record: Bool = true) async -> HealthReport {
        // One open of the state DB for the whole run: read the history, record the result (a
        // run that records nothing opens it as a survey, which writes nothing at all).
        let path = suite.fileSystem.hostPath(suite.layout.stateDatabase)
        var store: StateStore?
        var unusable: String?
        if suite.fileSystem.info(suite.layout.stateDatabase) != nil {
            do {
                store = record ? try StateStore(path: path) : try StateStore(surveying: path)
            } catch {
                unusable = "\(error)"
            }
        }
        var history = suite.history(store: store)
        history.stateUnusable = unusable
        let results = await HealthRunner().run(suite.checks(only: only, history: history))
        let report = HealthReport(project: suite.deployment.project.name, at: suite.now, results: results)
        if record, let store { self.record(report, in: store) }
        // Notice, not warning: on a terminal the table already says it; the journal gets both.
        let level: Logger.Level = report.status == .ok ? .info : .notice
        logger.log(
            level: level, "health \(report.status.rawValue)", metadata: ["health.status": "\(report.status.rawValue)"])
        return report
    }

    /// Restart counters are kept with the run so the next run can spot a restart loop.
    private func record(_ report: HealthReport, in store: StateStore) {
        let restarts = report.restartCounters(project: suite.deployment.project.name)
        do {
            try store.recordHealth(report, restarts: restarts, keep: suite.deployment.health.historyKeep)
        } catch {
            logger.warning("health run not recorded", metadata: ["error": "\(error)"])
        }
    }
}

extension HealthReport {
    /// NRestarts per service unit, from the unit check's metrics: kept with each recorded run
    /// so the next run (health or the monitor) can spot a restart loop.
    public func restartCounters(project: String) -> [String: Int] {
        var restarts: [String: Int] = [:]
        for result in results where result.kind == .unit {
            if let count = result.restarts { restarts[UnitNames.service(project, result.target)] = count }
        }
        return restarts
    }
}
