import Foundation

/// One health run: every result, and the worst status.
public struct HealthReport: Sendable, Equatable, Codable {
    public var project: String
    public var at: Date
    public var results: [CheckResult]

    public init(project: String, at: Date, results: [CheckResult]) {
        self.project = project
        self.at = at
        self.results = results
    }

    /// Worst wins (critical above unknown above warning).
    public var status: HealthStatus { results.map(\.status).max() ?? .unknown }
}

/// Renders a report as a table, monitoring-plugins output or JSON.
public enum HealthOutput {
    /// `TRADECTL CRITICAL - 2 of 14 checks failing: engine down; … | 'label'=value[UOM];warn;crit;min;max …`
    public static func nagios(_ report: HealthReport) -> String {
        let bad = report.results.filter { $0.status != .ok }
        let summary =
            bad.isEmpty
            ? "\(report.results.count) checks ok"
            : "\(bad.count) of \(report.results.count) checks not ok: "
                + bad.map { "\($0.check) \($0.target): \($0.summary)" }.joined(separator: "; ")
        let perf = report.results.flatMap(\.metrics).map(perfData).joined(separator: " ")
        let clean = summary.replacingOccurrences(of: "|", with: "/")
        return "TRADECTL \(report.status.nagios) - \(clean)" + (perf.isEmpty ? "" : " | \(perf)")
    }

    static func perfData(_ metric: Metric) -> String {
        func number(_ value: Double?) -> String {
            guard let value else { return "" }
            return value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%g", value)
        }
        let label = metric.label.replacingOccurrences(of: "'", with: "_").replacingOccurrences(of: "=", with: "_")
        func threshold(_ value: Double?) -> String {
            guard value != nil else { return "" }
            return metric.lowerIsWorse ? "\(number(value)):" : number(value)
        }
        var fields = [
            "\(number(metric.value))\(metric.unit)", threshold(metric.warn), threshold(metric.crit), number(metric.min),
            number(metric.max),
        ]
        while fields.count > 1 && fields.last == "" { fields.removeLast() }
        return "'\(label)'=" + fields.joined(separator: ";")
    }

    public static func table(_ report: HealthReport, color: Bool) -> String {
        var out = "CHECK        TARGET               STATUS    SUMMARY\n"
        for result in report.results {
            let status = result.status.nagios.padding(toLength: 8, withPad: " ", startingAt: 0)
            let painted = color ? paint(status, result.status) : status
            out +=
                "\(result.check.padding(toLength: 12, withPad: " ", startingAt: 0)) "
                + "\(String(result.target.suffix(20)).padding(toLength: 20, withPad: " ", startingAt: 0)) "
                + "\(painted)  \(result.summary)\n"
        }
        let overall = color ? paint(report.status.nagios, report.status) : report.status.nagios
        out += "\(report.project): \(overall)\n"
        return out
    }

    static func paint(_ text: String, _ status: HealthStatus) -> String {
        let code: String
        switch status {
        case .ok: code = "32"
        case .warning: code = "33"
        case .critical: code = "31"
        case .unknown: code = "35"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    /// `{"project", "at", "status", "exit_code", "results": [{"check", "target", "status", "summary", "metrics", "duration_ms"}]}`
    public static func json(_ report: HealthReport) -> String {
        struct Document: Encodable {
            var project: String
            var at: Date
            var status: HealthStatus
            var exitCode: Int32
            var results: [CheckResult]
            enum CodingKeys: String, CodingKey {
                case project, at, status, results
                case exitCode = "exit_code"
            }
        }
        return JSONOutput.string(
            Document(
                project: report.project, at: report.at, status: report.status, exitCode: report.status.exitCode,
                results: report.results))
    }
}
