import Foundation
import Logging
import Testing

@testable import TradeKit

/// `/metrics` text, the server's endpoints over a real socket, and the textfile.
@Suite("Metrics")
struct MetricsTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A snapshot with every field set, and label values that need escaping.
    static func fullSnapshot(status: HealthStatus = .warning) -> MonitorSnapshot {
        var snapshot = MonitorSnapshot(project: "paper", at: Date(timeIntervalSince1970: 1_795_269_600), status: status)
        snapshot.components = [
            .init(name: "engine", kind: .service, up: true, restarts: 2, monitorRestarts: 1),
            .init(name: #"we"ird\name"# + "\nline", kind: .oneshot, up: false, restarts: 0),
        ]
        snapshot.checks = [
            CheckResult(check: "unit", target: "engine", status: .ok, summary: ""),
            CheckResult(check: "disk", target: "/srv", status: .warning, summary: ""),
            CheckResult(check: "disk", target: "/srv", status: .critical, summary: ""),
            CheckResult(check: "memory", target: "", status: .unknown, summary: ""),
        ]
        snapshot.journalErrors = ["engine": 7]
        snapshot.patternMatches = [#"rate "limit""#: 3]
        snapshot.lastBackupAt = Date(timeIntervalSince1970: 1_795_260_000)
        snapshot.lastBackupBytes = 123_456_789
        snapshot.lastDeployAt = Date(timeIntervalSince1970: 1_795_000_000)
        snapshot.alerts = [.firing: 4, .recovered: 3]
        snapshot.notifiers = [.init(name: "webhook", sent: 5, failed: 1, dropped: 2, queued: 1)]
        snapshot.cycles = 42
        snapshot.cycleSeconds = 0.25
        snapshot.halted = true
        return snapshot
    }

    /// Sample lines as `name{labels}` → value.
    static func samples(_ text: String) -> [String: String] {
        var samples: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            samples[String(line[..<space])] = String(line[line.index(after: space)...])
        }
        return samples
    }

    @Test("label values escape backslash, quote and newline")
    func escaping() {
        let text = MetricsExposition.render(Self.fullSnapshot())
        #expect(text.contains(#"tradectl_component_up{project="paper",component="we\"ird\\name\nline"} 0"#), "\(text)")
        #expect(text.contains(#"pattern="rate \"limit\"""#))
        #expect(!text.contains("\nline\""))
    }

    @Test("every family has one HELP and one TYPE line; counters, and only counters, end in _total")
    func helpAndType() {
        let text = MetricsExposition.render(Self.fullSnapshot())
        let lines = text.split(separator: "\n").map(String.init)
        let names = Set(lines.filter { !$0.hasPrefix("#") }.map { String($0.prefix { $0 != "{" && $0 != " " }) })
        #expect(names.count == 19, "\(names.sorted())")
        for name in names {
            #expect(lines.filter { $0.hasPrefix("# HELP \(name) ") }.count == 1, "\(name)")
            let types = lines.filter { $0.hasPrefix("# TYPE \(name) ") }
            #expect(types.count == 1, "\(name)")
            #expect(types.first?.hasSuffix(" counter") == name.hasSuffix("_total"), "\(name)")
        }
    }

    @Test("values: statuses as numbers (worst per target), times in seconds, sizes in bytes")
    func values() {
        let samples = Self.samples(MetricsExposition.render(Self.fullSnapshot()))
        #expect(samples[#"tradectl_check_status{project="paper",check="unit",target="engine"}"#] == "0.0")
        #expect(samples[#"tradectl_check_status{project="paper",check="disk",target="/srv"}"#] == "2.0")
        #expect(samples[#"tradectl_check_status{project="paper",check="memory",target=""}"#] == "3.0")
        #expect(samples[#"tradectl_health_status{project="paper"}"#] == "1.0")
        #expect(samples[#"tradectl_component_restarts_total{project="paper",component="engine"}"#] == "2")
        #expect(samples[#"tradectl_monitor_restarts_total{project="paper",component="engine"}"#] == "1")
        #expect(samples[#"tradectl_backup_last_success_timestamp_seconds{project="paper"}"#] == "1795260000.0")
        #expect(samples[#"tradectl_backup_last_size_bytes{project="paper"}"#] == "123456789.0")
        #expect(samples[#"tradectl_alerts_total{project="paper",kind="firing"}"#] == "4")
        #expect(samples[#"tradectl_alerts_total{project="paper",kind="escalation"}"#] == "0")
        #expect(samples[#"tradectl_alerts_muted_total{project="paper",reason="silenced"}"#] == "0")
        #expect(
            samples[#"tradectl_notifier_deliveries_total{project="paper",notifier="webhook",result="dropped"}"#] == "2")
        #expect(samples[#"tradectl_monitor_cycle_duration_seconds{project="paper"}"#] == "0.25")
        #expect(samples[#"tradectl_kill_switch_engaged{project="paper"}"#] == "1.0")
    }

    @Test("families sorted by name, samples sorted: the same state renders the same bytes")
    func deterministic() {
        let text = MetricsExposition.render(Self.fullSnapshot())
        #expect(MetricsExposition.render(Self.fullSnapshot()) == text)
        let helps = text.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }
        #expect(helps == helps.sorted() && helps.count == 19)
        #expect(
            MetricsExposition.sorted(
                "# HELP b x\n# TYPE b gauge\nb 1\n# HELP a y\n# TYPE a counter\na{k=\"2\"} 1\na{k=\"1\"} 1\n")
                == "# HELP a y\n# TYPE a counter\na{k=\"1\"} 1\na{k=\"2\"} 1\n# HELP b x\n# TYPE b gauge\nb 1\n")
    }

    @Test("unknown values have no sample at all, not a 0")
    func omitsUnknown() {
        let text = MetricsExposition.render(MonitorSnapshot(project: "paper", at: Date(), status: .ok))
        for absent in ["backup_last", "deploy_last", "monitor_cycle_duration", "monitor_last_cycle", "component_up"] {
            #expect(!text.contains("tradectl_\(absent)"), "\(absent)")
        }
        #expect(text.contains(#"tradectl_monitor_cycles_total{project="paper"} 0"#))
    }

    @Test("promtool check metrics: valid and lint-clean")
    func promtool() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") else { return }  // CI installs it
        for snapshot in [Self.fullSnapshot(), MonitorSnapshot(project: "paper", at: Date(), status: .ok)] {
            let text = MetricsExposition.render(snapshot)
            let result = try await SubprocessLauncher().run(
                Command("/usr/bin/promtool", ["check", "metrics"], input: Data(text.utf8)))
            #expect(
                result.succeeded && result.output.isEmpty && result.errorOutput.isEmpty, "\(result.tail())\n\(text)")
        }
    }

    @Test("textfile: replaced in one step, no temporary file left")
    func textfile() throws {
        let dir = TempDir()
        let writer = TextfileWriter()
        try writer.write("old\n", directory: dir.path, project: "paper")
        let path = try writer.write("new 1\n", directory: dir.path, project: "paper")
        #expect(path == "\(dir.path)/tradectl_paper.prom")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["tradectl_paper.prom"])
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new 1\n")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o644)
    }
}

@Suite("Metrics server")
struct MetricsServerTests {
    static func server(timeout: Duration = .seconds(5), maxConnections: Int = 8) throws -> MetricsServer {
        let server = MetricsServer(
            address: MetricsAddress(host: "127.0.0.1", port: 0), logger: MetricsTests.logger,
            connectionTimeout: timeout, maxConnections: maxConnections)
        try server.start()
        return server
    }

    @Test("before the first cycle: not ready, not healthy, no metrics; 404 and 405")
    func beforeFirstCycle() async throws {
        let server = try Self.server()
        let port = try #require(server.port)
        #expect(await Sockets.get(port: port, "/ready").status == 503)
        #expect(await Sockets.get(port: port, "/health").status == 503)
        #expect(await Sockets.get(port: port, "/metrics").status == 503)
        #expect(await Sockets.get(port: port, "/").status == 404)
        #expect(await Sockets.get(port: port, "/metricsx").status == 404)
        let post = await Sockets.get(port: port, "/metrics", method: "POST")
        #expect(post.status == 405 && post.headers.contains("Allow: GET, HEAD"))
        await server.stop()
    }

    @Test("after a cycle: metrics in format 0.0.4, health follows the status, ready stays")
    func afterCycles() async throws {
        let server = try Self.server()
        let port = try #require(server.port)
        let snapshot = MetricsTests.fullSnapshot(status: .warning)
        server.publish(snapshot)
        let metrics = await Sockets.get(port: port, "/metrics?debug=1")
        #expect(metrics.status == 200)
        #expect(metrics.headers.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8"))
        #expect(metrics.body == MetricsExposition.render(snapshot))
        let head = await Sockets.get(port: port, "/metrics", method: "HEAD")
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(await Sockets.get(port: port, "/health").body == "ok\n")
        #expect(await Sockets.get(port: port, "/ready").status == 200)
        server.publish(MetricsTests.fullSnapshot(status: .critical))
        let health = await Sockets.get(port: port, "/health")
        #expect(health.status == 503 && health.body == "critical\n")
        #expect(await Sockets.get(port: port, "/ready").status == 200)
        await server.stop()
    }

    @Test("a client that sends nothing is cut off at the deadline and blocks no one meanwhile")
    func slowClient() async throws {
        let server = try Self.server(timeout: .milliseconds(300))
        let port = try #require(server.port)
        let idle = await onThread { Sockets.connect(port: port) }
        #expect(idle >= 0)
        #expect(await Sockets.get(port: port, "/ready").status == 503)
        // The server closes the idle connection at its deadline: the read sees end of file.
        #expect(await onThread { Sockets.readToEnd(idle) }.isEmpty)
        close(idle)
        await server.stop()
    }

    @Test("more clients than connections: the extra ones wait in the backlog, then are served")
    func boundedConnections() async throws {
        let server = try Self.server(timeout: .milliseconds(300), maxConnections: 2)
        let port = try #require(server.port)
        let idle = await onThread { [Sockets.connect(port: port), Sockets.connect(port: port)] }
        #expect(await Sockets.get(port: port, "/health").status == 503)
        for fd in idle { close(fd) }
        await server.stop()
    }

    @Test("oversized and malformed requests get an answer and a closed connection")
    func badRequests() async throws {
        let server = try Self.server()
        let port = try #require(server.port)
        let huge = "GET /metrics HTTP/1.1\r\nX: " + String(repeating: "a", count: 20_000) + "\r\n\r\n"
        let tooLarge = await Sockets.exchange(port: port, huge)
        #expect(tooLarge.hasPrefix("HTTP/1.1 431 "), "\(tooLarge)")
        let garbage = await Sockets.exchange(port: port, "HELLO\r\n\r\n")
        #expect(garbage.hasPrefix("HTTP/1.1 400 "), "\(garbage)")
        await server.stop()
    }

    @Test("run() serves until cancelled, then closes the socket")
    func runUntilCancelled() async throws {
        let server = MetricsServer(address: MetricsAddress(host: "127.0.0.1", port: 0), logger: MetricsTests.logger)
        let task = Task { try await server.run() }
        var port = server.port
        while port == nil {
            await Task.yield()
            port = server.port
        }
        #expect(await Sockets.get(port: port!, "/ready").status == 503)
        task.cancel()
        try await task.value
        #expect(server.port == nil)
        #expect(await Sockets.exchange(port: port!, "GET /ready HTTP/1.1\r\n\r\n") == "")
    }

    @Test("IPv6 loopback")
    func ipv6() async throws {
        let server = MetricsServer(address: MetricsAddress(host: "::1", port: 0), logger: MetricsTests.logger)
        guard (try? server.start()) != nil else { return }  // no IPv6 on this host
        #expect((server.port ?? 0) > 0)
        await server.stop()
    }

    @Test("request parsing: incomplete, body by Content-Length, limits, query stripped")
    func parsing() {
        let parse = { (text: String) in HTTPRequest.parse(Array(text.utf8), limit: 100) }
        #expect(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n") == .incomplete)
        #expect(
            parse("GET /metrics?a=b HTTP/1.1\r\nHost: x\r\n\r\n")
                == .complete(HTTPRequest(method: "GET", path: "/metrics", headers: ["host": "x"], body: [])))
        #expect(parse("POST /h HTTP/1.1\r\nContent-Length: 4\r\n\r\nab") == .incomplete)
        #expect(parse("POST /h HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n") == .expectsContinue)
        #expect(
            parse("POST /h HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd")
                == .complete(
                    HTTPRequest(method: "POST", path: "/h", headers: ["content-length": "4"], body: Array("abcd".utf8)))
        )
        #expect(parse("POST /h HTTP/1.1\r\nContent-Length: 400\r\n\r\n") == .invalid(status: 413))
        #expect(parse("GET /" + String(repeating: "a", count: 200)) == .invalid(status: 431))
        #expect(parse("GET /" + String(repeating: "a", count: 200) + " HTTP/1.1\r\n\r\n") == .invalid(status: 431))
        #expect(parse("GET metrics HTTP/1.1\r\n\r\n") == .invalid(status: 400))
        #expect(parse("POST /h HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") == .invalid(status: 501))
    }
}
