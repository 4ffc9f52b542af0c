import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `probes.http`: status code and latency.
public struct HTTPCheck: Check {
    public let kind = CheckKind.http
    public var timeout: Duration
    public var component: String
    public var url: String
    public var target: String { component }

    public func run() async -> [CheckResult] {
        guard let endpoint = URL(string: url) else {
            return [.init(check: name, target: component, status: .unknown, summary: "invalid URL \(url)")]
        }
        var request = URLRequest(url: endpoint)
        request.timeoutInterval = Double(timeout.components.seconds) + 1
        let started = ContinuousClock.now
        do {
            let (_, response) = try await URLSession.shared.data(for: request)
            let elapsed = ContinuousClock.now - started
            let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            let code = (response as? HTTPURLResponse)?.statusCode ?? 0
            let metrics = [
                Metric("\(component)_http_latency", (milliseconds / 1000 * 1000).rounded() / 1000, unit: "s", min: 0)
            ]
            let status: HealthStatus = (200..<300).contains(code) ? .ok : .critical
            return [
                .init(
                    check: name, target: component, status: status,
                    summary: "HTTP \(code) from \(url) in \(Int(milliseconds)) ms", metrics: metrics)
            ]
        } catch {
            return [
                .init(
                    check: name, target: component, status: .critical,
                    summary: "\(url): no answer (\(error.localizedDescription))")
            ]
        }
    }
}

/// `probes.tcp`: a port that must accept a connection (e.g. a broker gateway).
public struct TCPCheck: Check {
    public let kind = CheckKind.tcp
    public var timeout: Duration
    public var component: String
    public var host: String
    public var port: UInt16
    public var target: String { component }

    public func run() async -> [CheckResult] {
        let (host, port, timeout, component, name) = (self.host, self.port, self.timeout, self.component, self.name)
        let outcome = await blocking { TCPConnect.attempt(host: host, port: port, timeout: timeout) }
        return [
            .init(
                check: name, target: component, status: outcome.passed ? .ok : .critical,
                summary: "\(host):\(port) \(outcome.detail)")
        ]
    }
}

/// `probes.heartbeat`: a file the engine touches, younger than its max age.
public struct HeartbeatCheck: Check {
    public let kind = CheckKind.heartbeat
    public var timeout: Duration
    public var component: String
    public var path: String
    public var maxAge: ConfigDuration
    public var fileSystem: FileSystem
    public var now: Date
    /// Filesystem timestamps and a clock slewed by NTP disagree by a little; more is a step back.
    static let futureSlack: TimeInterval = 5

    public func run() async -> [CheckResult] {
        guard let info = fileSystem.info(path) else {
            return [.init(check: name, target: component, status: .critical, summary: "\(path) is missing")]
        }
        let age = now.timeIntervalSince(info.modified)
        let metrics = [
            Metric("\(component)_heartbeat_age", max(0, age).rounded(), unit: "s", crit: maxAge.seconds, min: 0)
        ]
        if age < -Self.futureSlack {
            // Touched "in the future": the wall clock went back since. Its age is unknown, not
            // fresh — a dead engine must not pass for alive for as long as the step. A live
            // engine touches it again within its interval and the check is ok again.
            return [
                .init(
                    check: name, target: component, status: .warning,
                    summary: "\(path) is dated \(Int(-age))s in the future (the wall clock went back?): its age is "
                        + "unknown until the engine touches it again", metrics: metrics)
            ]
        }
        let status: HealthStatus = age <= maxAge.seconds ? .ok : .critical
        return [
            .init(
                check: name, target: component, status: status, summary: "\(path) is \(Int(age))s old (max \(maxAge))",
                metrics: metrics)
        ]
    }
}
