import Foundation
import Testing

@testable import TradeKit

/// Where templates and runbooks come from: config → /etc/tradectl → /usr/share/tradectl → next to the binary.
/// The machine-wide roots are temporary directories here, so the real /etc and /usr/share are never read.
@Suite("Template and runbook search paths")
struct SearchPathTests {
    /// A fake machine: `etc/tradectl`, `usr/share/tradectl`, a project and a binary under `opt/bin`.
    final class Machine {
        let dir = TempDir("tradectl-searchpath")
        var system: SystemDirectories {
            .init(overrides: "\(dir.path)/etc/tradectl", shipped: "\(dir.path)/usr/share/tradectl")
        }
        var executable: String { "\(dir.path)/opt/bin/tradectl" }

        init() { _ = dir.write("opt/bin/tradectl", "", mode: 0o755) }

        /// Writes every template into `relative`, each saying where it came from.
        func templates(_ relative: String, only: [String] = TemplateSet.names) {
            for name in only { _ = dir.write("\(relative)/\(name).mustache", "from \(relative)\n") }
        }

        func path(_ relative: String) -> String { "\(dir.path)/\(relative)" }
    }

    @Test("templates: config, TRADECTL_TEMPLATES_DIR, /etc, /usr/share, next to the binary")
    func templateOrder() {
        let machine = Machine()
        machine.templates("opt/share/tradectl/templates")
        let search = TemplateSet.searchPath(
            projectDirectory: machine.path("project/templates"),
            environment: ["TRADECTL_TEMPLATES_DIR": machine.path("dev/templates")],
            executable: machine.executable, system: machine.system)
        #expect(
            search.map { SystemDirectories.canonical($0) }
                == [
                    "project/templates", "dev/templates", "etc/tradectl/templates", "usr/share/tradectl/templates",
                    "opt/share/tradectl/templates",
                ].map { SystemDirectories.canonical(machine.path($0)) })
    }

    @Test("templates are looked up per file: one /etc override, the rest from /usr/share")
    func templatePerFile() throws {
        let machine = Machine()
        machine.templates("usr/share/tradectl/templates")
        machine.templates("etc/tradectl/templates", only: ["tradectl-backup.service"])
        let search = TemplateSet.searchPath(
            projectDirectory: nil, environment: [:], executable: machine.executable, system: machine.system)
        let set = try TemplateSet.load(searchPath: search)
        #expect(set.sources["tradectl-backup.service"] == "from etc/tradectl/templates\n")
        #expect(set.sources["service"] == "from usr/share/tradectl/templates\n")
        #expect(
            set.paths["tradectl-backup.service"]
                == machine.path("etc/tradectl/templates/tradectl-backup.service.mustache"))
    }

    @Test("a project's templates_dir beats /etc, and the package beats the copy next to the binary")
    func templateProjectWins() throws {
        let machine = Machine()
        machine.templates("opt/share/tradectl/templates")
        machine.templates("usr/share/tradectl/templates", only: ["timer"])
        machine.templates("etc/tradectl/templates", only: ["service", "timer"])
        machine.templates("project/templates", only: ["service"])
        let set = try TemplateSet.load(
            searchPath: TemplateSet.searchPath(
                projectDirectory: machine.path("project/templates"), environment: [:], executable: machine.executable,
                system: machine.system))
        #expect(set.sources["service"] == "from project/templates\n")
        #expect(set.sources["timer"] == "from etc/tradectl/templates\n")
        #expect(set.sources["tradectl-monitor.service"] == "from opt/share/tradectl/templates\n")
    }

    @Test("a missing template names every directory searched")
    func templateMissing() {
        let machine = Machine()
        machine.templates("usr/share/tradectl/templates", only: ["service"])
        let search = TemplateSet.searchPath(
            projectDirectory: nil, environment: [:], executable: machine.executable, system: machine.system)
        #expect {
            try TemplateSet.load(searchPath: search)
        } throws: { error in
            let text = "\(error)"
            return text.contains("timer.mustache not found") && text.contains(machine.path("etc/tradectl/templates"))
                && text.contains(machine.path("usr/share/tradectl/templates"))
        }
    }

    @Test("an installed binary in /usr/bin searches /usr/share once")
    func templateInstalledOnce() {
        let machine = Machine()
        _ = machine.dir.write("usr/bin/tradectl", "", mode: 0o755)
        machine.templates("usr/share/tradectl/templates")
        let search = TemplateSet.searchPath(
            projectDirectory: nil, environment: [:], executable: machine.path("usr/bin/tradectl"),
            system: machine.system)
        #expect(search.count == 2)
        #expect(search.last == machine.path("usr/share/tradectl/templates"))
    }

    @Test("a development build finds the templates of its checkout")
    func templateCheckout() throws {
        let machine = Machine()
        _ = machine.dir.write("repo/Package.swift", "")
        machine.templates("repo/templates")
        _ = machine.dir.write("repo/.build/x86_64-unknown-linux-gnu/debug/tradectl", "", mode: 0o755)
        let search = TemplateSet.searchPath(
            projectDirectory: nil, environment: [:],
            executable: machine.path("repo/.build/x86_64-unknown-linux-gnu/debug/tradectl"), system: machine.system)
        #expect(
            SystemDirectories.canonical(search.last ?? "")
                == SystemDirectories.canonical(machine.path("repo/templates")))
        let set = try TemplateSet.load(searchPath: search)
        #expect(set.sources["service"] == "from repo/templates\n")
    }

    @Test("runbooks: [runbooks] dirs, <config dir>/runbooks, /etc, /usr/share, next to the binary")
    func runbookOrder() {
        let machine = Machine()
        for relative in ["etc/tradectl/runbooks", "usr/share/tradectl/runbooks", "opt/share/tradectl/runbooks"] {
            _ = machine.dir.write("\(relative)/a.md", "")
        }
        let search = RunbookDirectory.searchPath(
            configured: [machine.path("mine")], configDirectory: machine.path("project"),
            executable: machine.executable, system: machine.system)
        #expect(
            search == [
                .init(path: machine.path("mine"), origin: .config),
                .init(path: machine.path("project/runbooks"), origin: .project),
                .init(path: machine.path("etc/tradectl/runbooks"), origin: .system),
                .init(path: machine.path("usr/share/tradectl/runbooks"), origin: .shipped),
                .init(path: machine.path("opt/share/tradectl/runbooks"), origin: .shipped),
            ])
    }

    @Test("machine-wide runbook directories that do not exist are left out; configured ones stay")
    func runbookMissingSystem() {
        let machine = Machine()
        let search = RunbookDirectory.searchPath(
            configured: [machine.path("nowhere")], configDirectory: nil, executable: machine.executable,
            system: machine.system)
        #expect(search == [.init(path: machine.path("nowhere"), origin: .config)])
    }

    @Test("an /etc runbook overrides the shipped one with the same id")
    func runbookOverride() {
        let machine = Machine()
        let shipped = (try? String(contentsOfFile: "\(Repo.root)/runbooks/engine-down.md", encoding: .utf8)) ?? ""
        let runbook = { (title: String) in
            shipped.replacingOccurrences(of: "title: Engine down or in a crash loop", with: "title: \(title)")
        }
        _ = machine.dir.write("etc/tradectl/runbooks/engine-down.md", runbook("Local engine down"))
        _ = machine.dir.write("usr/share/tradectl/runbooks/engine-down.md", runbook("Shipped engine down"))
        let search = RunbookDirectory.searchPath(
            configured: [], configDirectory: nil, executable: machine.executable, system: machine.system)
        let catalog = RunbookCatalog(directories: search, parser: RunbookParser(argumentCheck: nil))
        let entry = catalog.entry("engine-down")
        #expect(entry?.runbook.title == "Local engine down")
        #expect(entry?.directory.origin == .system)
        #expect(entry?.overrides == machine.path("usr/share/tradectl/runbooks/engine-down.md"))
    }
}
