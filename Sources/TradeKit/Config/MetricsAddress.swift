import Foundation

/// `monitor.metrics_listen`: where the monitor serves `/metrics`, `/health` and `/ready`.
///
/// Loopback only: the endpoint has no authentication, and the metrics name components,
/// releases and error counts. Prometheus on the same host (or an SSH tunnel) scrapes it.
public struct MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    /// `127.0.0.1:9464`, `[::1]:9464` or `localhost:9464`; nil for anything else.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0
        else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" { host = "127.0.0.1" }
        let loopback =
            host == "::1"
            || (host.hasPrefix("127.") && host.split(separator: ".").count == 4
                && host.split(separator: ".").allSatisfy { UInt8($0) != nil })
        guard loopback else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
