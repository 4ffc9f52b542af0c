import Foundation
import Testing

@testable import TradeKit

/// Each malformed config must be refused with file, line and key — in the library and at exit 65 from the CLI.
@Suite("Malformed configs")
struct MalformedConfigTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// (text to find, replacement) applied to the minimal config.
        var edit: (String, String)
        /// Text on the line the error must point at.
        var lineMarker: String
        var key: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        .init(
            name: "TOML syntax error", edit: ("trades = true", "trades = = true"), lineMarker: "trades = = true",
            key: "trades"),
        .init(
            name: "missing project name", edit: ("name = \"demo\"\n", ""), lineMarker: "[project]", key: "project.name"),
        .init(
            name: "bad project name", edit: ("name = \"demo\"", "name = \"Demo Bot\""),
            lineMarker: "name = \"Demo Bot\"", key: "project.name"),
        .init(
            name: "unknown environment", edit: ("environment = \"paper\"", "environment = \"live\""),
            lineMarker: "environment = \"live\"", key: "project.environment"),
        .init(
            name: "unknown scope", edit: ("scope = \"user\"", "scope = \"global\""), lineMarker: "scope = \"global\"",
            key: "project.scope"),
        .init(
            name: "relative root", edit: ("root = \"/opt/demo\"", "root = \"opt/demo\""),
            lineMarker: "root = \"opt/demo\"", key: "project.root"),
        .init(
            name: "keep is a string", edit: ("shared = [", "keep = \"five\"\nshared = ["),
            lineMarker: "keep = \"five\"", key: "releases.keep"),
        .init(
            name: "keep is zero", edit: ("shared = [", "keep = 0\nshared = ["), lineMarker: "keep = 0",
            key: "releases.keep"),
        .init(
            name: "typo in a key", edit: ("stop_timeout = \"30s\"", "stop_timout = \"30s\""), lineMarker: "stop_timout",
            key: "components[0].stop_timout"),
        .init(
            name: "bad duration", edit: ("stop_timeout = \"30s\"", "stop_timeout = \"soon\""),
            lineMarker: "stop_timeout = \"soon\"", key: "components[0].stop_timeout"),
        .init(
            name: "unknown kind", edit: ("name = \"engine\"", "name = \"engine\"\nkind = \"daemon\""),
            lineMarker: "kind = \"daemon\"", key: "components[0].kind"),
        .init(
            name: "oneshot without schedule", edit: ("name = \"engine\"", "name = \"engine\"\nkind = \"oneshot\""),
            lineMarker: "[[components]]", key: "components[0].schedule"),
        .init(
            name: "service with schedule", edit: ("name = \"engine\"", "name = \"engine\"\nschedule = \"daily\""),
            lineMarker: "schedule = \"daily\"", key: "components[0].schedule"),
        .init(
            name: "unknown dependency", edit: ("trades = true", "trades = true\nafter = [\"gateway\"]"),
            lineMarker: "after = [\"gateway\"]", key: "components[0].after"),
        .init(
            name: "relative exec path", edit: ("exec = \"/usr/bin/python3 engine.py\"", "exec = \"bin/engine --live\""),
            lineMarker: "exec = \"bin/engine", key: "components[0].exec"),
        .init(
            name: "newline injected into exec",
            edit: ("exec = \"/usr/bin/python3 engine.py\"", "exec = \"/bin/true\\nExecStartPre=/bin/rm -rf /\""),
            lineMarker: "ExecStartPre", key: "components[0].exec"),
        .init(
            name: "newline injected into environment",
            edit: ("trades = true", "trades = true\nenvironment = { TZ = \"UTC\\n[Service]\" }"),
            lineMarker: "environment = {", key: "components[0].environment.TZ"),
        .init(
            name: "control character in schedule", edit: ("[backup]", "[backup]\nschedule = \"daily\\u0007\""),
            lineMarker: "schedule = \"daily", key: "backup.schedule"),
        .init(
            name: "trailing backslash continues a unit line",
            edit: ("exec = \"/usr/bin/python3 engine.py\"", "exec = \"/usr/bin/python3 engine.py \\\\\""),
            lineMarker: "exec = ", key: "components[0].exec"),
        .init(
            name: "dry run in production", edit: ("trades = true", "trades = true"), lineMarker: "dry_run = true",
            key: "components[0].dry_run"),
        .init(
            name: "trading component without stop timeout in production",
            edit: ("stop_timeout = \"30s\"\n", "environment = { MODE = \"live\" }\n"), lineMarker: "[[components]]",
            key: "components[0].stop_timeout"),
        .init(
            name: "shared path escapes the project", edit: ("shared = [\"data/\", \".env\"]", "shared = [\"../etc/\"]"),
            lineMarker: "shared = [\"../etc/\"]", key: "releases.shared[0]"),
        .init(
            name: "bad http probe", edit: ("trades = true", "trades = true\nprobes.http = \"localhost:8080\""),
            lineMarker: "probes.http", key: "components[0].probes.http"),
        .init(
            name: "bad tcp probe port", edit: ("trades = true", "trades = true\nprobes.tcp = \"127.0.0.1:99999\""),
            lineMarker: "probes.tcp", key: "components[0].probes.tcp"),
        .init(
            name: "unknown section", edit: ("[backup]", "[bakup]\nx = 1\n[backup]"), lineMarker: "[bakup]", key: "bakup"
        ),
        .init(
            name: "metrics on a public address",
            edit: ("[backup]", "[monitor]\nmetrics_listen = \"0.0.0.0:9464\"\n[backup]"), lineMarker: "metrics_listen",
            key: "monitor.metrics_listen"),
        .init(
            name: "relative textfile dir", edit: ("[backup]", "[monitor]\ntextfile_dir = \"prom\"\n[backup]"),
            lineMarker: "textfile_dir", key: "monitor.textfile_dir"),
        .init(
            name: "journal pattern with a bad regex",
            edit: ("[backup]", "[[monitor.patterns]]\nname = \"x\"\nregex = \"(unclosed\"\n[backup]"),
            lineMarker: "regex = \"(unclosed", key: "monitor.patterns[0].regex"),
        .init(
            name: "alert command not absolute",
            edit: ("[backup]", "[alerts]\ncommand = [\"mail\", \"-s\", \"alert\"]\n[backup]"),
            lineMarker: "command = [", key: "alerts.command"),
        .init(
            name: "route naming an unknown receiver",
            edit: (
                "[backup]",
                "[[alerts.receivers]]\nname = \"chat\"\ntype = \"slack\"\nurl_env = \"SLACK_URL\"\n"
                    + "[[alerts.routes]]\nname = \"page\"\nreceivers = [\"pager\"]\n[backup]"
            ),
            lineMarker: "receivers = [\"pager\"]", key: "alerts.routes[0].receivers"),
        .init(
            name: "route with malformed quiet hours",
            edit: (
                "[backup]",
                "[[alerts.receivers]]\nname = \"chat\"\ntype = \"slack\"\nurl_env = \"SLACK_URL\"\n"
                    + "[[alerts.routes]]\nname = \"chat\"\nreceivers = [\"chat\"]\nquiet_hours = \"10pm-7am\"\n[backup]"
            ),
            lineMarker: "quiet_hours = ", key: "alerts.routes[0].quiet_hours"),
        .init(
            name: "route naming an unknown check",
            edit: (
                "[backup]",
                "[[alerts.receivers]]\nname = \"chat\"\ntype = \"slack\"\nurl_env = \"SLACK_URL\"\n"
                    + "[[alerts.routes]]\nname = \"chat\"\nreceivers = [\"chat\"]\nchecks = [\"uint\"]\n[backup]"
            ),
            lineMarker: "checks = [", key: "alerts.routes[0].checks"),
        .init(
            name: "email receiver without recipients",
            edit: (
                "[backup]",
                "[[alerts.receivers]]\nname = \"mail\"\ntype = \"email\"\nsmtp_url = \"smtp://mail:587\"\n"
                    + "from = \"bot@example.com\"\n[backup]"
            ),
            lineMarker: "[[alerts.receivers]]", key: "alerts.receivers[0].to"),
        .init(
            name: "pagerduty receiver given a key instead of a variable",
            edit: (
                "[backup]",
                "[[alerts.receivers]]\nname = \"pager\"\ntype = \"pagerduty\"\n"
                    + "routing_key_env = \"R0ut1ng-key-value!\"\n[backup]"
            ),
            lineMarker: "routing_key_env", key: "alerts.receivers[0].routing_key_env"),
        .init(
            name: "market session without a time",
            edit: ("[backup]", "[market]\nsessions = [\"Mon..Fri\"]\n[backup]"),
            lineMarker: "sessions = [", key: "market.sessions[0]"),
        .init(
            name: "unknown market time zone",
            edit: ("[backup]", "[market]\ntimezone = \"Mars/Olympus\"\n[backup]"),
            lineMarker: "timezone = ", key: "market.timezone"),
        .init(
            name: "auto-halt with nothing to halt",
            edit: ("trades = true", "trades = false"),
            lineMarker: "auto_halt_after", key: "kill_switch.auto_halt_after"),
        .init(
            name: "duplicate component names",
            edit: ("[backup]", "[[components]]\nname = \"engine\"\nexec = \"/bin/true\"\n[backup]"),
            lineMarker: "name = \"engine\"\nexec = \"/bin/true\"", key: "components[1].name"),
    ]

    static func text(for testCase: Case) -> String {
        var text = minimalConfig(source: "/srv/app")
        if testCase.name.hasSuffix("in production") {
            text = text.replacingOccurrences(of: "environment = \"paper\"", with: "environment = \"production\"")
        }
        if testCase.name == "auto-halt with nothing to halt" {
            text += "\n[kill_switch]\nauto_halt_after = 3\n"
        }
        if testCase.name == "dry run in production" {
            text = text.replacingOccurrences(of: "trades = true", with: "trades = true\ndry_run = true")
        }
        precondition(text.contains(testCase.edit.0), "edit target missing for \(testCase.name)")
        return text.replacingOccurrences(of: testCase.edit.0, with: testCase.edit.1)
    }

    static func expectedLine(_ text: String, marker: String) -> Int {
        guard let range = text.range(of: marker) else { return -1 }
        return text[..<range.lowerBound].filter { $0 == "\n" }.count + 1
    }

    @Test("the library names file, line and key", arguments: cases)
    func libraryReportsLocation(testCase: Case) throws {
        let text = Self.text(for: testCase)
        let error = try #require(throws: ConfigError.self) {
            try ConfigLoader(environment: [:], workingDirectory: "/").parse(text: text, path: "/etc/demo/tradectl.toml")
        }
        let issue = try #require(
            error.errors.first { $0.key == testCase.key }, "no error for \(testCase.key): \(error)")
        #expect(issue.file == "/etc/demo/tradectl.toml")
        #expect(issue.line == Self.expectedLine(text, marker: testCase.lineMarker), "\(issue)")
    }

    @Test("config check exits 65 with file:line: key", arguments: cases)
    func cliExits65(testCase: Case) throws {
        let dir = TempDir()
        let path = dir.write("tradectl.toml", Self.text(for: testCase))
        let result = try runTradectl(["config", "check", "--config", path])
        #expect(result.status == 65, "\(result.stdout)\(result.stderr)")
        let line = Self.expectedLine(Self.text(for: testCase), marker: testCase.lineMarker)
        #expect(result.stdout.contains("\(path):\(line): \(testCase.key):"), "\(result.stdout)")
    }

    @Test("deploy refuses an injected newline before touching anything")
    func deployRefusesInjection() throws {
        let dir = TempDir()
        let text = Self.text(for: Self.cases.first { $0.name == "newline injected into exec" }!)
        let path = dir.write("tradectl.toml", text)
        let result = try runTradectl(["deploy", "--config", path, "--root", "\(dir.path)/root"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("components[0].exec"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir.path)/root"))
    }

    /// The Ansible modules and other callers parse stdout under --json; a failure must be data there too.
    @Test("deploy --json on a bad config prints an error document with file, line and key")
    func jsonErrorDocument() throws {
        let dir = TempDir()
        let testCase = Self.cases.first { $0.name == "bad duration" }!
        let text = Self.text(for: testCase)
        let path = dir.write("tradectl.toml", text)
        let result = try runTradectl(["deploy", "--dry-run", "--json", "--config", path, "--root", "\(dir.path)/root"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("components[0].stop_timeout"), "the human line stays on stderr")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        let error = try #require(document["error"] as? [String: Any])
        #expect(error["exit_status"] as? Int == 65)
        #expect(error["exit_meaning"] as? String == "invalid config or data")
        let issues = try #require(error["config_issues"] as? [[String: Any]])
        let issue = try #require(issues.first { $0["key"] as? String == testCase.key }, "\(issues)")
        #expect(issue["file"] as? String == path)
        #expect(issue["line"] as? Int == Self.expectedLine(text, marker: testCase.lineMarker))
        #expect(!FileManager.default.fileExists(atPath: "\(dir.path)/root"))
    }

    @Test("without --json a failure prints nothing on stdout")
    func noDocumentWithoutJSON() throws {
        let dir = TempDir()
        let path = dir.write("tradectl.toml", Self.text(for: Self.cases.first { $0.name == "bad duration" }!))
        let result = try runTradectl(["deploy", "--dry-run", "--config", path, "--root", "\(dir.path)/root"])
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty, "\(result.stdout)")
    }
}
