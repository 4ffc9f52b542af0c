import Foundation
import Testing

@testable import TradeKit

@Suite("Config loading")
struct ConfigLoaderTests {
    let loader = ConfigLoader(environment: [:], workingDirectory: "/tmp")

    @Test("every example config is valid", arguments: Repo.examples)
    func examplesAreValid(name: String) throws {
        let (deployment, issues) = try loader.load(path: Repo.example(name))
        #expect(deployment.project.name == name)
        #expect(!deployment.components.isEmpty)
        #expect(issues.allSatisfy { $0.severity == .warning })
    }

    @Test("defaults follow the project name")
    func defaults() throws {
        let text = """
            [project]
            name = "alpha"
            [releases]
            source = "/src"
            [[components]]
            name = "bot"
            exec = "/bin/true"
            """
        let (deployment, _) = try loader.parse(text: text, path: "/etc/t.toml")
        #expect(deployment.project.root == "/opt/alpha")
        #expect(deployment.project.stateDir == "/var/lib/tradectl/alpha")
        #expect(deployment.project.scope == .system)
        #expect(deployment.project.user == "alpha")
        #expect(deployment.releases.keep == 5)
        #expect(deployment.components[0].restart == .onFailure)
        #expect(deployment.killSwitch.file == "/opt/alpha/shared/KILL")
    }

    @Test("environment overrides beat the file, flags beat the environment")
    func precedence() throws {
        let env = [
            "TRADECTL_PROJECT_SCOPE": "user", "TRADECTL_RELEASES_KEEP": "9",
            "TRADECTL_KILL_SWITCH_FILE": "/run/halt", "TRADECTL_RELEASES_SOURCE": "/from-env",
        ]
        let loader = ConfigLoader(environment: env, workingDirectory: "/tmp")
        let (deployment, _) = try loader.parse(
            text: minimalConfig(source: "/from-file"), path: "/etc/t.toml", overrides: .init(source: "/from-flag"))
        #expect(deployment.project.scope == .user)
        #expect(deployment.releases.keep == 9)
        #expect(deployment.killSwitch.file == "/run/halt")
        #expect(deployment.releases.source == "/from-flag")
    }

    @Test("a bad environment override names the variable")
    func badOverride() throws {
        let loader = ConfigLoader(environment: ["TRADECTL_RELEASES_KEEP": "many"], workingDirectory: "/tmp")
        let error = try #require(throws: ConfigError.self) {
            try loader.parse(text: minimalConfig(source: "/s"), path: "/etc/t.toml")
        }
        #expect(error.issues.first?.file == "environment TRADECTL_RELEASES_KEEP")
        #expect(error.issues.first?.key == "releases.keep")
    }

    @Test("relative source resolves against the config directory")
    func relativeSource() throws {
        let (deployment, _) = try loader.parse(text: minimalConfig(source: "app"), path: "/srv/proj/tradectl.toml")
        #expect(deployment.releases.source == "/srv/proj/app")
    }

    @Test("config show redacts secrets")
    func redaction() throws {
        let extra = """
            [alerts]
            webhook_url = "https://hooks.example.invalid/T000/very-secret-token"
            """
        var text = minimalConfig(source: "/s", extra: extra)
        text = text.replacingOccurrences(
            of: "env_file = \".env\"",
            with: "env_file = \".env\"\nenvironment = { API_TOKEN = \"tok-123\", TZ = \"UTC\" }")
        let (deployment, _) = try loader.parse(text: text, path: "/etc/t.toml")
        let shown = ConfigPrinter.toml(deployment)
        #expect(!shown.contains("very-secret-token"))
        #expect(!shown.contains("tok-123"))
        #expect(shown.contains("TZ = \"UTC\""))
        #expect(shown.contains(Secrets.redacted))
    }
}

@Suite("config show")
struct ConfigShowTests {
    @Test("the printed TOML parses back to the same deployment", arguments: Repo.examples)
    func roundTrip(example: String) throws {
        let loader = ConfigLoader(environment: [:])
        let (deployment, _) = try loader.load(path: Repo.example(example))
        let (again, _) = try loader.parse(text: ConfigPrinter.toml(deployment), path: deployment.configPath)
        var expected = deployment
        expected.origins = again.origins
        #expect(again == expected)
    }

    @Test("--json prints the effective config as JSON")
    func json() throws {
        let result = try runTradectl(["config", "show", "--json", "--config", Repo.example("v6")])
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((object["project"] as? [String: Any])?["name"] as? String == "v6")
    }
}
