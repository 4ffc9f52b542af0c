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
        let history = suite.history()
        let results = await HealthRunner().run(suite.checks(only: only, history: history))
        let report = HealthReport(project: suite.deployment.project.name, at: suite.now, results: results)
        if record { self.record(report) }
        // Notice, not warning: on a terminal the table already says it; the journal gets both.
        let level: Logger.Level = report.status == .ok ? .info : .notice
        logger.log(level: level, "health \(report.status.rawValue)", metadata: ["health.status": "\(report.status.rawValue)"])
        return report
    }

    /// Restart counters are kept with the run so the next run can spot a restart loop.
    private func record(_ report: HealthReport) {
        let layout = suite.layout
        guard suite.fileSystem.info(layout.stateDir) != nil,
            let store = try? StateStore(path: suite.fileSystem.hostPath(layout.stateDatabase))
        else { return }
        var restarts: [String: Int] = [:]
        for result in report.results where result.check == "unit" {
            let unit = UnitNames.service(suite.deployment.project.name, result.target)
            if let metric = result.metrics.first(where: { $0.label.hasSuffix("_restarts") }) { restarts[unit] = Int(metric.value) }
        }
        do {
            try store.recordHealth(report, restarts: restarts, keep: suite.deployment.health.historyKeep)
        } catch {
            logger.warning("health run not recorded", metadata: ["error": "\(error)"])
        }
    }
}
