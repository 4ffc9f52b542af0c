import Foundation
import Testing
@testable import TradeKit

/// Rendered system-scope units pass `systemd-analyze verify`, and every component's
/// service scores ≤ 2.5 on `systemd-analyze security --offline=true`.
@Suite("Unit hardening")
struct UnitHardeningTests {
    static func renderedUnits(_ example: String, scope: Scope = .system) throws -> [UnitFile] {
        var (deployment, _) = try ConfigLoader(environment: [:]).load(path: Repo.example(example))
        deployment.project.scope = scope
        let templates = try TemplateSet.load(projectDirectory: nil, builtinDirectory: "\(Repo.root)/templates")
        return try UnitRenderer(deployment: deployment, templates: templates, tradectlPath: "/usr/local/bin/tradectl")
            .render()
    }

    static func analyze(_ arguments: [String], in directory: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/systemd-analyze")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("system units verify cleanly and component services score ≤ 2.5", arguments: Repo.examples)
    func verifyAndScore(example: String) throws {
        let dir = TempDir()
        let units = try Self.renderedUnits(example)
        for unit in units { _ = dir.write(unit.name, unit.content) }
        for unit in units {
            let (status, output) = try Self.analyze(["verify", "./\(unit.name)"], in: dir.path)
            // tradectl's own units name /usr/local/bin/tradectl, absent on a build machine.
            let relevant = output.split(separator: "\n").filter { !$0.contains("/usr/local/bin/tradectl") }
            #expect(status == 0 || relevant.isEmpty, "\(unit.name): \(output)")
            #expect(relevant.isEmpty, "\(unit.name): \(output)")
        }
        for unit in units where unit.isService && unit.component != nil && !unit.name.hasSuffix("-restart.service") {
            let (_, output) = try Self.analyze(["security", "--offline=true", "./\(unit.name)"], in: dir.path)
            let score = try #require(Self.exposure(output), "no score for \(unit.name): \(output)")
            #expect(score <= 2.5, "\(unit.name) scores \(score)")
            print("hardening: \(unit.name) exposure \(score)")
        }
    }

    @Test("user-scope units leave out namespace directives", arguments: Repo.examples)
    func userScope(example: String) throws {
        for unit in try Self.renderedUnits(example, scope: .user) {
            for directive in ["ProtectSystem=", "ProtectHome=", "PrivateTmp=", "PrivateUsers=", "User="] {
                #expect(!unit.content.contains(directive), "\(unit.name) has \(directive)")
            }
            #expect(unit.content.contains("NoNewPrivileges=yes") || unit.isTimer)
        }
    }

    @Test("percent signs are escaped and values cannot inject directives")
    func escaping() throws {
        let dir = TempDir()
        let text = minimalConfig(source: dir.path).replacingOccurrences(
            of: "exec = \"/usr/bin/python3 engine.py\"", with: "exec = \"/usr/bin/python3 engine.py --fill 50%\"")
        let (deployment, _) = try ConfigLoader(environment: [:]).parse(text: text, path: "/etc/t.toml")
        let templates = try TemplateSet.load(projectDirectory: nil, builtinDirectory: "\(Repo.root)/templates")
        let units = try UnitRenderer(deployment: deployment, templates: templates, tradectlPath: "/bin/tradectl").render()
        let engine = try #require(units.first { $0.name == "demo-engine.service" })
        #expect(engine.content.contains("ExecStart=/usr/bin/python3 engine.py --fill 50%%"))
        #expect(!engine.content.contains("&"))  // no HTML escaping from Mustache
    }

    static func exposure(_ output: String) -> Double? {
        guard let line = output.split(separator: "\n").first(where: { $0.contains("Overall exposure level") }),
            let colon = line.lastIndex(of: ":")
        else { return nil }
        return Double(line[line.index(after: colon)...].split(separator: " ").first ?? "")
    }
}
