import Foundation
import Testing

@testable import TradeKit

extension RealSystemd {
    /// `tradectl health` against the real user manager and journald.
    @Suite(
        "Health under a real systemd user manager",
        .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"), .serialized)
    struct HealthIntegrationTests {
        static let web = """
            import http.server, os, sys
            port, mode = int(sys.argv[1]), sys.argv[2]
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    if mode == "hang":
                        import time; time.sleep(3600)
                    code = 500 if os.path.exists("data/fail") else 200
                    self.send_response(code); self.end_headers(); self.wfile.write(b"x")
                def log_message(self, *a): pass
            for i in range(3):
                print("<3>order rejected: insufficient margin", flush=True)
            print("started", flush=True)
            http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
            """

        @Test("a healthy example exits 0")
        func healthyExample() throws {
            let scratch = ScratchDeployment(example: "v6")
            scratch.overrides = ScratchDeployment.ignoringEarlierErrors
            defer { scratch.tearDown() }
            try #require(try scratch.tradectl(["deploy"]).status == 0)
            try #require(try scratch.tradectl(["backup"]).status == 0)
            try #require(try scratch.tradectl(["backup", "verify", "latest"]).status == 0)
            let health = try scratch.tradectl(["health"])
            #expect(health.status == 0, "\(health.stdout)\(health.stderr)")
            #expect(health.stdout.contains("v6: OK"))
        }

        static func project() throws -> (ScratchDeployment, String) {
            let dir = NSTemporaryDirectory() + "tradectl-it-health-\(getpid())"
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: "\(dir)/app", withIntermediateDirectories: true)
            try web.write(toFile: "\(dir)/app/web.py", atomically: true, encoding: .utf8)
            try """
            [project]
            name = "hc"
            [releases]
            source = "app"
            shared = ["data/"]
            [[components]]
            name = "web"
            exec = "/usr/bin/python3 web.py 18731 ok"
            probes.http = "http://127.0.0.1:18731/"
            [[components]]
            name = "hang"
            exec = "/usr/bin/python3 web.py 18732 hang"
            probes.tcp = "127.0.0.1:18732"
            probes.http = "http://127.0.0.1:18732/"
            [[components]]
            name = "failing"
            kind = "oneshot"
            exec = "/bin/sh -c 'echo failing run; exit 3'"
            schedule = "*-*-* 03:00:00"
            [[components]]
            name = "skipped"
            kind = "oneshot"
            exec = "/bin/sleep 60"
            schedule = "*:*:0/2"
            [health]
            timeout = "2s"
            timer_grace = "1s"
            errors_warn_per_hour = 2
            errors_crit_per_hour = 50
            """.write(toFile: "\(dir)/tradectl.toml", atomically: true, encoding: .utf8)
            return (ScratchDeployment(name: "hc", config: "\(dir)/tradectl.toml"), dir)
        }

        func report(_ scratch: ScratchDeployment, _ arguments: [String] = []) throws -> (Int32, [[String: Any]], Double)
        {
            let started = Date()
            let run = try scratch.tradectl(["health", "--json"] + arguments)
            let elapsed = Date().timeIntervalSince(started)
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            return (run.status, (object?["results"] as? [[String: Any]]) ?? [], elapsed)
        }

        static func find(_ results: [[String: Any]], _ check: String, _ target: String) -> [String: Any]? {
            results.first { $0["check"] as? String == check && $0["target"] as? String == target }
        }

        @Test("checks report what systemd, the network and the journal say")
        func realChecks() throws {
            let (scratch, dir) = try Self.project()
            defer {
                scratch.tearDown()
                try? FileManager.default.removeItem(atPath: dir)
            }
            let deploy = try scratch.tradectl(["deploy", "--no-start"])
            try #require(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")
            _ = try Harness.systemctl(
                "start", "hc-web.service", "hc-hang.service", "hc-failing.timer", "hc-skipped.timer")
            #expect(try Harness.eventually(10) { try Harness.property("hc-web.service", "ActiveState") == "active" })
            // Run the failing oneshot once by hand (its timer fires only at 03:00, so nothing
            // starts it again and resets its Result while the check looks).
            _ = try Harness.systemctl("start", "hc-failing.service")
            sleep(5)  // the skipped oneshot's 2-second timer fires; its run never finishes

            let (status, results, elapsed) = try report(scratch)
            #expect(status == 2, "\(results)")
            #expect(Self.find(results, "unit", "web")?["status"] as? String == "ok")
            #expect(Self.find(results, "http", "web")?["status"] as? String == "ok")
            #expect(Self.find(results, "tcp", "hang")?["status"] as? String == "ok")
            let failing = Self.find(results, "timer", "failing")
            #expect(failing?["status"] as? String == "critical")
            #expect((failing?["summary"] as? String)?.contains("last run failed") == true, "\(failing ?? [:])")
            let skipped = Self.find(results, "timer", "skipped")
            #expect(skipped?["status"] as? String == "critical")
            #expect((skipped?["summary"] as? String)?.contains("missed run") == true, "\(skipped ?? [:])")
            // Total run ≤ timeout + 1 s, measured inside tradectl (each result carries its duration).
            let longest = results.compactMap { $0["duration_ms"] as? Int }.max() ?? 0
            #expect(longest <= 3000, "slowest check took \(longest) ms")
            #expect(elapsed < 10, "health took \(elapsed)s")

            // The error count equals journalctl's for the same units, priority and window.
            let journal = try #require(Self.find(results, "journal", "journal"))
            let counted = ((journal["metrics"] as? [[String: Any]])?.first?["value"] as? Double).map(Int.init)
            let units = ["web", "hang", "failing", "skipped"].flatMap { ["_SYSTEMD_UNIT=hc-\($0).service", "+"] }
                .dropLast()
            let expected = try Harness.run(
                "/bin/sh", ["-c", "journalctl -q -p err --since -1h \(units.joined(separator: " ")) | wc -l"]
            ).stdout
            #expect(
                counted == Int(expected.trimmingCharacters(in: .whitespacesAndNewlines)),
                "journalctl counted \(expected)")
            #expect((counted ?? 0) >= 3)

            // A dashboard answering 500: only the http check fails.
            FileManager.default.createFile(atPath: "\(scratch.base)/opt/hc/shared/data/fail", contents: Data())
            let (_, failed, _) = try report(scratch, ["--check", "http"])
            #expect(Self.find(failed, "http", "web")?["status"] as? String == "critical")
            #expect((Self.find(failed, "http", "web")?["summary"] as? String)?.contains("HTTP 500") == true)

            // A hung HTTP endpoint (accepts, never answers) is reported at its timeout (2 s).
            let hung = Self.find(results, "http", "hang")
            #expect(hung?["status"] as? String == "unknown", "\(hung ?? [:])")
            #expect((hung?["summary"] as? String)?.contains("did not answer within 2.0s") == true)

            // A stopped service is unhealthy: exit 2.
            _ = try Harness.systemctl("stop", "hc-web.service")
            let stopped = try scratch.tradectl(["health", "--check", "unit", "--nagios"])
            #expect(stopped.status == 2)
            #expect(stopped.stdout.hasPrefix("TRADECTL CRITICAL - "), "\(stopped.stdout)")
        }
    }

    @Suite(
        "Status under a real systemd user manager",
        .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"), .serialized)
    struct StatusIntegrationTests {
        @Test("status shows the release, every component, the timers and the last backup")
        func status() throws {
            let scratch = ScratchDeployment(example: "databento")
            defer { scratch.tearDown() }
            try #require(try scratch.tradectl(["deploy"]).status == 0)
            try #require(try scratch.tradectl(["backup"]).status == 0)
            let result = try scratch.tradectl(["status", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(object["project"] as? String == "databento")
            #expect((object["release"] as? [String: Any])?["version"] is String)
            let components = (object["components"] as? [[String: Any]]) ?? []
            let status = try #require(components.first { $0["name"] as? String == "status" })
            #expect((status["state"] as? String)?.hasPrefix("active") == true)
            #expect((status["main_pid"] as? Int ?? 0) > 0)
            let pull = try #require(components.first { $0["name"] as? String == "pull" })
            #expect(pull["next_run"] is String, "\(pull)")
            #expect(object["last_backup"] is [String: Any])
            let text = try scratch.tradectl(["status"])
            #expect(text.stdout.contains("COMPONENT"))
            #expect(text.stdout.contains("next in"))
        }
    }
}
