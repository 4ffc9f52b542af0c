import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One readiness probe of a component, as configured under `[components.probes]`.
public enum ProbeSpec: Sendable, Equatable, CustomStringConvertible {
    case http(url: String)
    case tcp(host: String, port: UInt16)
    /// A file (absolute path on the target) whose mtime must be younger than `maxAge`.
    case heartbeat(path: String, maxAge: ConfigDuration)

    public var description: String {
        switch self {
        case .http(let url): return "http \(url)"
        case .tcp(let host, let port): return "tcp \(host):\(port)"
        case .heartbeat(let path, let maxAge): return "heartbeat \(path) (max age \(maxAge))"
        }
    }

    /// The probes of a component; heartbeat paths resolve inside `<root>/shared`.
    public static func of(_ component: Component, root: String) -> [ProbeSpec] {
        var specs: [ProbeSpec] = []
        if let url = component.probes.http { specs.append(.http(url: url)) }
        if let tcp = component.probes.tcp, let colon = tcp.lastIndex(of: ":"),
            let port = UInt16(tcp[tcp.index(after: colon)...])
        {
            specs.append(.tcp(host: String(tcp[..<colon]), port: port))
        }
        if let heartbeat = component.probes.heartbeat {
            specs.append(.heartbeat(path: "\(root)/shared/\(heartbeat)", maxAge: component.probes.heartbeatMaxAge))
        }
        return specs
    }
}

/// The result of running one probe once.
public struct ProbeOutcome: Sendable, Equatable {
    public var passed: Bool
    public var detail: String
}

/// Runs probes against the real world (network, files). Tests substitute their own.
public protocol ProbeChecker: Sendable {
    func run(_ probe: ProbeSpec, timeout: Duration) async -> ProbeOutcome
}

/// HTTP through URLSession, TCP through a non-blocking connect, heartbeat through the rooted file system.
public struct LiveProbeChecker: ProbeChecker {
    public var fileSystem: FileSystem
    public var now: @Sendable () -> Date

    public init(fileSystem: FileSystem, now: @escaping @Sendable () -> Date = Date.init) {
        self.fileSystem = fileSystem
        self.now = now
    }

    public func run(_ probe: ProbeSpec, timeout: Duration) async -> ProbeOutcome {
        switch probe {
        case .http(let url): return await http(url, timeout: timeout)
        case .tcp(let host, let port): return TCPConnect.attempt(host: host, port: port, timeout: timeout)
        case .heartbeat(let path, let maxAge): return heartbeat(path, maxAge: maxAge)
        }
    }

    private func http(_ url: String, timeout: Duration) async -> ProbeOutcome {
        guard let endpoint = URL(string: url) else { return .init(passed: false, detail: "invalid URL") }
        var request = URLRequest(url: endpoint)
        request.timeoutInterval = Double(timeout.components.seconds) + 1
        do {
            let (_, response) = try await URLSession.shared.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            return .init(passed: (200..<300).contains(status), detail: "HTTP \(status)")
        } catch {
            return .init(passed: false, detail: "no answer: \(error.localizedDescription)")
        }
    }

    private func heartbeat(_ path: String, maxAge: ConfigDuration) -> ProbeOutcome {
        guard let info = fileSystem.info(path) else { return .init(passed: false, detail: "missing") }
        let age = now().timeIntervalSince(info.modified)
        let passed = age <= maxAge.seconds
        return .init(passed: passed, detail: String(format: "%.0fs old", age))
    }
}
