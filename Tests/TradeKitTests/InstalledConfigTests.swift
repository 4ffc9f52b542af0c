import Foundation
import Testing

@testable import TradeKit

@Suite("Installed config")
struct InstalledConfigTests {
    @Test(
        "the installed copy parses back to the same deployment and re-installs byte for byte", arguments: Repo.examples)
    func fixedPoint(example: String) throws {
        let loader = ConfigLoader(environment: [:])
        let (deployment, _) = try loader.load(path: Repo.example(example))
        let dir = TempDir()
        let installedPath = "\(dir.path)/\(deployment.project.name).toml"
        let text = InstalledConfig.text(deployment, installedAt: installedPath)
        _ = dir.write("\(deployment.project.name).toml", text)
        let (again, _) = try loader.load(path: installedPath)
        var expected = deployment
        expected.configPath = installedPath
        expected.origins = again.origins
        // The example's own runbooks/ directory is named explicitly in the copy.
        let own = "\(deployment.configDirectory)/runbooks"
        if FileManager.default.fileExists(atPath: own) { expected.runbooks.dirs.append(own) }
        #expect(again == expected)
        #expect(InstalledConfig.text(again, installedAt: installedPath) == text)
    }

    @Test("relative paths become absolute, so the copy works from anywhere")
    func absolutePaths() throws {
        let (deployment, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("v6"))
        let text = InstalledConfig.text(deployment, installedAt: "/etc/tradectl/v6.toml")
        #expect(text.contains("source = \"\(Repo.root)/examples/v6/app\""))
        #expect(text.contains("dirs = [\"\(Repo.root)/examples/v6/runbooks\"]"))
    }

    @Test("environment overrides are baked in; secrets go to the env file beside it, never into the copy")
    func secrets() throws {
        let secret = "https://hooks.example.invalid/T000/very-secret-token"
        let environment = ["TRADECTL_ALERTS_WEBHOOK_URL": secret, "TRADECTL_HEALTH_TIMEOUT": "7s"]
        let (deployment, _) = try ConfigLoader(environment: environment).load(path: Repo.example("v6"))
        let dir = TempDir()
        let path = "\(dir.path)/v6.toml"
        let text = InstalledConfig.text(deployment, installedAt: path)
        #expect(!text.contains("very-secret-token"))
        #expect(!text.contains("webhook_url"))
        #expect(text.contains("timeout = \"7s\""))
        let secrets = try #require(InstalledConfig.secrets(deployment))
        #expect(secrets.contains("TRADECTL_ALERTS_WEBHOOK_URL="))
        _ = dir.write("v6.toml", text)
        _ = dir.write("v6.env", secrets, mode: 0o600)
        // A later command reading the copy gets the secret back from the env file…
        let (loaded, _) = try ConfigLoader(environment: [:]).load(path: path)
        #expect(loaded.alerts.webhookURL == secret)
        #expect(loaded.health.timeout.description == "7s")
        // …and the process environment still wins over it.
        let (overridden, _) = try ConfigLoader(environment: ["TRADECTL_ALERTS_WEBHOOK_URL": "https://other.invalid/x"])
            .load(path: path)
        #expect(overridden.alerts.webhookURL == "https://other.invalid/x")
        // Without secrets there is no env file.
        let (plain, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("v6"))
        #expect(InstalledConfig.secrets(plain) == nil)
    }

    @Test("env file values survive quoting: spaces, quotes, $ and #")
    func quoting() throws {
        for value in ["https://h.invalid/a b", "https://h.invalid/it's", "https://h.invalid/\"q\"$HOME#x"] {
            var file = EnvFile("")
            try file.set("K", to: value)
            let line = try #require(file.lines.first)
            #expect(EnvFile.unquote(String(line.dropFirst("K=".count))) == value)
        }
    }

    @Test("units read the installed config with the running binary and carry no override environment")
    func ownUnits() throws {
        let (deployment, _) = try ConfigLoader(environment: ["TRADECTL_PROJECT_ROOT": "/srv/v6"]).load(
            path: Repo.example("v6"))
        let templates = try TemplateSet.load(projectDirectory: nil, builtinDirectory: "\(Repo.root)/templates")
        let units = try UnitRenderer(
            deployment: deployment, templates: templates, tradectlPath: "/usr/bin/tradectl",
            environment: [
                "TRADECTL_PROJECT_ROOT": "/srv/v6", "TRADECTL_ALERTS_WEBHOOK_URL": "https://hooks.invalid/secret",
            ]
        ).render()
        let backup = try #require(units.first { $0.name == "v6-backup.service" })
        #expect(backup.content.contains("ExecStart=/usr/bin/tradectl --config /etc/tradectl/v6.toml backup --verify"))
        #expect(backup.content.contains("EnvironmentFile=-/etc/tradectl/v6.env"))
        let health = try #require(units.first { $0.name == "v6-health.service" })
        #expect(health.content.contains("--config /etc/tradectl/v6.toml health"))
        #expect(health.content.contains("SuccessExitStatus=1"))
        for unit in units {
            #expect(!unit.content.contains("TRADECTL_PROJECT_ROOT"), "\(unit.name)")
            #expect(!unit.content.contains("secret"), "\(unit.name)")
            #expect(!unit.content.contains(Repo.root), "\(unit.name) names the checkout")
        }
    }

    @Test("user scope installs under $XDG_CONFIG_HOME or ~/.config")
    func userScope() {
        #expect(
            InstalledConfig.path(project: "v6", scope: .user, environment: ["HOME": "/home/op"])
                == "/home/op/.config/tradectl/v6.toml")
        #expect(
            InstalledConfig.path(
                project: "v6", scope: .user, environment: ["HOME": "/home/op", "XDG_CONFIG_HOME": "/x"])
                == "/x/tradectl/v6.toml")
        #expect(InstalledConfig.path(project: "v6", scope: .system, environment: [:]) == "/etc/tradectl/v6.toml")
    }
}

@Suite("Locating the config")
struct ConfigLocateTests {
    func loader(_ directories: [String], cwd: String, environment: [String: String] = [:]) -> ConfigLoader {
        var loader = ConfigLoader(environment: environment, workingDirectory: cwd)
        loader.installedDirectories = directories
        return loader
    }

    @Test("--config, then $TRADECTL_CONFIG, then --project, then ./tradectl.toml, then the one installed config")
    func order() throws {
        let dir = TempDir()
        let etc = "\(dir.path)/etc"
        _ = dir.write("etc/v6.toml", "")
        let empty = "\(dir.path)/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        #expect(try loader([etc], cwd: empty).locate(explicit: "/a.toml") == "/a.toml")
        #expect(
            try loader([etc], cwd: empty, environment: ["TRADECTL_CONFIG": "/b.toml"]).locate(explicit: nil)
                == "/b.toml")
        #expect(try loader([etc], cwd: empty).locate(explicit: nil) == "\(etc)/v6.toml")
        #expect(try loader([etc], cwd: empty).locate(explicit: nil, project: "v6") == "\(etc)/v6.toml")
        _ = dir.write("work/tradectl.toml", "")
        #expect(try loader([etc], cwd: "\(dir.path)/work").locate(explicit: nil) == "\(dir.path)/work/tradectl.toml")
        // --project beats the working directory's file.
        #expect(try loader([etc], cwd: "\(dir.path)/work").locate(explicit: nil, project: "v6") == "\(etc)/v6.toml")
    }

    @Test("several installed projects need --project; an unknown one is named with where it was looked for")
    func ambiguous() throws {
        let dir = TempDir()
        let user = "\(dir.path)/user"
        let etc = "\(dir.path)/etc"
        _ = dir.write("etc/v6.toml", "")
        _ = dir.write("user/ivcrush.toml", "")
        #expect(throws: ConfigLocationError.self) { try loader([user, etc], cwd: dir.path).locate(explicit: nil) }
        do {
            _ = try loader([user, etc], cwd: dir.path).locate(explicit: nil)
        } catch let error as ConfigLocationError {
            #expect(error.message.contains("ivcrush, v6"))
            #expect(error.message.contains("--project NAME"))
            #expect(ExitStatus.of(error) == .usage)
        }
        #expect(
            try loader([user, etc], cwd: dir.path).locate(explicit: nil, project: "ivcrush") == "\(user)/ivcrush.toml")
        #expect(throws: ConfigLocationError.self) {
            try loader([user, etc], cwd: dir.path).locate(explicit: nil, project: "nope")
        }
    }
}

@Suite("Stable binary")
struct StableBinaryTests {
    @Test(
        "build and temporary directories are not stable; installed paths are",
        arguments: [
            ("/work/main/.build/x86_64-unknown-linux-gnu/debug/tradectl", false),
            ("/src/.build-release/release/tradectl", false),
            ("/tmp/tradectl", false), ("/var/tmp/x/tradectl", false), ("/usr/bin/tradectl", true),
            ("/usr/local/bin/tradectl", true), ("/opt/tradectl/bin/tradectl", true),
        ])
    func problem(path: String, stable: Bool) {
        #expect((StableBinary.problem(path) == nil) == stable, "\(path)")
    }

    @Test("system scope refuses a build binary unless tradectl_path names one; user scope and --root only warn")
    func check() throws {
        let (system, _) = try ConfigLoader(environment: [:]).load(path: Repo.example("v6"))
        let build = "/work/main/.build/debug/tradectl"
        #expect(throws: DeployPlanError.self) { try StableBinary.check(system, running: build, offline: false) }
        #expect(try StableBinary.check(system, running: build, offline: true).count == 1)
        #expect(try StableBinary.check(system, running: "/usr/bin/tradectl", offline: false).isEmpty)
        var explicit = system
        explicit.project.tradectlPath = build
        #expect(try StableBinary.check(explicit, running: "/usr/bin/tradectl", offline: false).count == 1)
        let (user, _) = try ConfigLoader(environment: ["TRADECTL_PROJECT_SCOPE": "user"]).load(path: Repo.example("v6"))
        #expect(try StableBinary.check(user, running: build, offline: false).count == 1)
    }

    @Test("a live system-scope dry run from the build directory exits 65 and says how to install")
    func refusedDryRun() throws {
        let result = try runTradectl(["deploy", "--dry-run", "--config", Repo.example("v6")])
        #expect(result.status == 65, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("build directory"))
        #expect(result.stderr.contains("docs/install.md"))
    }
}
