import Foundation
import Testing

@testable import TradeKit

@Suite("Env files")
struct EnvFileTests {
    static let original = """
        # Broker credentials. Rotate quarterly.
        V6_BROKER_API_KEY=old-key-123

        ; a systemd-style comment
        V6_BROKER_API_SECRET='old secret'
        export V6_ACCOUNT=DEMO-1
        V6_BROKER_API_KEY=stale-duplicate

        """

    @Test("set rewrites the key in place, drops later duplicates, keeps every other line and its order")
    func setInPlace() throws {
        var env = EnvFile(Self.original)
        #expect(env.keys == ["V6_BROKER_API_KEY", "V6_BROKER_API_SECRET", "V6_ACCOUNT"])
        #expect(env.duplicateKeys == ["V6_BROKER_API_KEY"])
        #expect(try env.set("V6_BROKER_API_KEY", to: "n3w-key") == .changed)
        #expect(
            env.text == """
                # Broker credentials. Rotate quarterly.
                V6_BROKER_API_KEY=n3w-key

                ; a systemd-style comment
                V6_BROKER_API_SECRET='old secret'
                export V6_ACCOUNT=DEMO-1

                """)
        #expect(try env.set("V6_BROKER_API_KEY", to: "n3w-key") == .unchanged)
        #expect(try env.set("V6_NEW", to: "x") == .added)
        #expect(env.text.hasSuffix("export V6_ACCOUNT=DEMO-1\nV6_NEW=x\n"))
        #expect(try env.set("V6_ACCOUNT", to: "LIVE-2") == .changed)
        #expect(env.text.contains("\nV6_ACCOUNT=LIVE-2\n"))
    }

    @Test("a file without a final newline gets one; an empty file gets the line")
    func newlines() throws {
        var env = EnvFile("A=1")
        try env.set("B", to: "2")
        #expect(env.text == "A=1\nB=2\n")
        var empty = EnvFile("")
        try empty.set("A", to: "1")
        #expect(empty.text == "A=1\n")
    }

    static let awkward = [
        "plain-Value_1.2/3+4=", "with space", "it's", "quote \" and $HOME and `cmd` and \\ backslash", "#not-a-comment",
        "semi;colon", "tab\there", "ünïcødé", "a'b\"c",
    ]

    @Test("quoting: a POSIX shell reads every value back unchanged", arguments: awkward)
    func quotingRoundTrip(value: String) throws {
        let dir = TempDir()
        var env = EnvFile("")
        try env.set("KEY", to: value)
        let file = dir.write("env", env.text)
        let (output, status) = try shell("set -a; . '\(file)'; printf '%s' \"$KEY\"")
        #expect(status == 0)
        #expect(output == value, "\(env.text)")
    }

    @Test("values with line breaks or control characters, empty values and bad keys are refused")
    func refused() {
        var env = EnvFile("")
        #expect(throws: EnvValueError.self) { try env.set("K", to: "a\nExecStart=/bin/sh") }
        #expect(throws: EnvValueError.self) { try env.set("K", to: "a\u{1B}[31m") }
        #expect(throws: EnvValueError.self) { try env.set("K", to: "") }
        #expect(throws: EnvValueError.self) { try env.set("1K", to: "x") }
        #expect(throws: EnvValueError.self) { try env.set("K-EY", to: "x") }
        #expect(env.text == "")
    }

    @Test("a piped value loses one trailing newline, nothing else")
    func pipedValue() throws {
        #expect(try SecretInput.fromPipe(Data("s3cret\n".utf8)) == "s3cret")
        #expect(try SecretInput.fromPipe(Data("s3cret\r\n".utf8)) == "s3cret")
        #expect(try SecretInput.fromPipe(Data(" s3cret ".utf8)) == " s3cret ")
        #expect(try SecretInput.fromPipe(Data("s3cret\n\n".utf8)) == "s3cret\n")
    }
}

@Suite("secrets set and list")
struct SecretsCommandTests {
    static let value = "N3w s3cret 'with' \"quotes\" $and #more"

    @Test("plan: key and <redacted> only, never the value, in text or JSON; file action is 0600 and secret")
    func planRedacted() async throws {
        let fixture = try BackupFixture()
        let deployment = try ConfigLoader(environment: [:]).load(path: fixture.config).0
        let runner = SecretsRunner(
            deployment: deployment, fileSystem: RootedFileSystem(root: fixture.root), environment: [:], offline: false,
            logger: quietLogger)
        let manager = RecordingServiceManager(states: ["demo-engine.service": "active"])
        let (plan, change) = try await runner.planSet(
            key: "API_KEY", value: Self.value, file: try runner.resolve(component: nil), services: manager)
        #expect(change == .changed)
        let text = PlanRenderer.text(plan, verbose: true)
        let json = PlanRenderer.json(plan)
        for rendered in [text, json] {
            #expect(!rendered.contains("N3w"), "\(rendered)")
            #expect(!rendered.contains("test-secret-value"), "old value leaked: \(rendered)")
        }
        #expect(text.contains("-API_KEY=<redacted>") && text.contains("+API_KEY=<redacted>"))
        #expect(plan.changes.map(\.effect.typeName) == ["file", "systemctl.restart", "health-gate"])
        guard let written = plan.changes[0].effect(as: WriteFile.self) else { return }
        let (path, mode, secret) = (written.path, written.mode, written.secret)
        #expect(path == "/opt/demo/shared/.env" && mode == 0o600 && secret)
        // A stopped engine is not started by a secret change.
        let stopped = try await runner.planSet(
            key: "API_KEY", value: Self.value, file: try runner.resolve(component: nil),
            services: RecordingServiceManager(states: [:]))
        #expect(stopped.0.changes.map(\.effect.typeName) == ["file"])
        #expect(stopped.0.notes.contains { $0.contains("engine is not running") })
    }

    @Test(
        "through the binary: dry-run changes nothing; set rewrites atomically, keeps lines, mode and owner; audit has no value"
    )
    func setThroughBinary() throws {
        let fixture = try BackupFixture()
        let env = "\(fixture.shared)/.env"
        try "# keep me\nOTHER=1\nAPI_KEY=test-secret-value\n".write(toFile: env, atomically: false, encoding: .utf8)
        chmod(env, 0o640)
        chown(env, 1234, 4321)
        let before = try Data(contentsOf: URL(fileURLWithPath: env))

        let dry = try runTradectl(
            ["secrets", "set", "API_KEY", "--dry-run", "--config", fixture.config, "--root", fixture.root],
            input: Self.value + "\n")
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("API_KEY=<redacted>"), "\(dry.stdout)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: env)) == before)

        let set = try runTradectl(
            ["secrets", "set", "API_KEY", "--config", fixture.config, "--root", fixture.root], input: Self.value + "\n")
        #expect(set.status == 0, "\(set.stderr)")
        for output in [dry.stdout, dry.stderr, set.stdout, set.stderr] {
            #expect(!output.contains("N3w"), "value leaked: \(output)")
            #expect(!output.contains("test-secret-value"), "old value leaked: \(output)")
        }
        let after = try String(contentsOfFile: env, encoding: .utf8)
        #expect(after.hasPrefix("# keep me\nOTHER=1\nAPI_KEY="))
        let (read, _) = try shell("set -a; . '\(env)'; printf '%s|%s' \"$API_KEY\" \"$OTHER\"")
        #expect(read == Self.value + "|1")
        let attributes = try FileManager.default.attributesOfItem(atPath: env)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        #expect((attributes[.ownerAccountID] as? NSNumber)?.intValue == 1234)
        #expect((attributes[.groupOwnerAccountID] as? NSNumber)?.intValue == 4321)
        #expect(!FileManager.default.fileExists(atPath: "\(fixture.shared)/..env.tradectl-tmp"))

        let audit = try fixture.tradectl(["audit", "--json"])
        #expect(audit.stdout.contains("secrets set API_KEY (/opt/demo/shared/.env)"), "\(audit.stdout)")
        #expect(!audit.stdout.contains("N3w"))
        let database = try sqlite(
            "\(fixture.root)/var/lib/tradectl/demo/state.db", "SELECT command || result FROM audit")
        #expect(database.contains("secrets set API_KEY") && !database.contains("N3w") && !database.contains("s3cret"))
    }

    /// Drives the binary on a pseudo-terminal: waits for each prompt, types the value, collects
    /// everything the terminal showed.
    static let typist = """
        import os, pty, sys
        value = sys.argv[1].encode() + b"\\n"
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(sys.argv[2], sys.argv[2:])
        seen = b""
        def read_until(marker):
            global seen
            while marker not in seen:
                chunk = os.read(fd, 1024)
                if not chunk:
                    raise SystemExit("no prompt " + marker.decode())
                seen += chunk
        read_until(b"New value")
        os.write(fd, value)
        read_until(b"Again")
        os.write(fd, value)
        while True:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        _, status = os.waitpid(pid, 0)
        sys.stdout.write(seen.decode(errors="replace"))
        sys.exit(os.waitstatus_to_exitcode(status))
        """

    @Test("on a terminal the value is asked twice and never echoed")
    func terminalInput() throws {
        let fixture = try BackupFixture()
        let value = "tty-s3cret-value"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            "-c", Self.typist, value, Repo.binary, "secrets", "set", "API_KEY", "--config", fixture.config, "--root",
            fixture.root,
        ]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let terminal = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(terminal)")
        #expect(
            terminal.contains("New value for API_KEY (not shown): ") && terminal.contains("Again, to confirm: "),
            "\(terminal)")
        #expect(!terminal.contains("s3cret"), "the value was echoed: \(terminal)")
        #expect(try String(contentsOfFile: "\(fixture.shared)/.env", encoding: .utf8) == "API_KEY=\(value)\n")
    }

    @Test("list shows key names, mode and owner warnings, never values")
    func list() throws {
        let fixture = try BackupFixture()
        let env = "\(fixture.shared)/.env"
        try "API_KEY=test-secret-value\nACCOUNT=X\nACCOUNT=Y\n".write(toFile: env, atomically: false, encoding: .utf8)
        chmod(env, 0o644)
        let text = try fixture.tradectl(["secrets", "list"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("  API_KEY\n  ACCOUNT\n"), "\(text.stdout)")
        #expect(text.stdout.contains("warning: mode 644"))
        #expect(text.stdout.contains("ACCOUNT is assigned more than once"))
        let json = try fixture.tradectl(["secrets", "list", "--json"])
        let files = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(files.first?["keys"] as? [String] == ["API_KEY", "ACCOUNT"])
        #expect(files.first?["components"] as? [String] == ["engine"])
        for output in [text.stdout, json.stdout] {
            #expect(!output.contains("test-secret-value") && !output.contains("=X"))
        }
    }

    @Test("usage errors exit 64 before reading a value: bad key, unknown component, empty value")
    func usageErrors() throws {
        let fixture = try BackupFixture()
        let base = ["--config", fixture.config, "--root", fixture.root]
        #expect(try runTradectl(["secrets", "set", "BAD-KEY"] + base, input: "x\n").status == 64)
        let unknown = try runTradectl(["secrets", "set", "API_KEY", "--component", "nope"] + base, input: "x\n")
        #expect(unknown.status == 64 && unknown.stderr.contains("unknown component nope"), "\(unknown.stderr)")
        #expect(try runTradectl(["secrets", "set", "API_KEY"] + base, input: "\n").status == 64)
        #expect(try runTradectl(["secrets", "set", "API_KEY"] + base, input: "two\nlines\n").status == 64)
        let env = try String(contentsOfFile: "\(fixture.shared)/.env", encoding: .utf8)
        #expect(env == "API_KEY=test-secret-value\n")
    }
}
