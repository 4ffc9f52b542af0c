import Foundation
import Mustache

/// The unit templates, each looked up on its own along a search path (see `searchPath`).
public struct TemplateSet: Sendable {
    public static let names = [
        "service", "timer", "tradectl-backup.service", "tradectl-backup.timer", "tradectl-health.service",
        "tradectl-health.timer", "tradectl-monitor.service", "restart.service", "tradectl-logrotate.service",
        "tradectl-logrotate.timer",
    ]

    /// Template source by name, e.g. `"service"` → contents of `service.mustache`.
    public var sources: [String: String]
    /// The file each template was read from, by name (empty for sets built in memory).
    public var paths: [String: String]

    public init(sources: [String: String], paths: [String: String] = [:]) {
        self.sources = sources
        self.paths = paths
    }

    /// Where templates are looked up, most specific first: the project's `templates_dir`,
    /// `$TRADECTL_TEMPLATES_DIR` (a development override), `/etc/tradectl/templates` (the
    /// administrator's overrides), `/usr/share/tradectl/templates` (the package), and last the
    /// templates next to the binary (`../share/tradectl/templates`, or a source checkout above
    /// a development build). Each template is found separately, so one file in `/etc` overrides
    /// that template only. A directory reached twice is searched once.
    public static func searchPath(
        projectDirectory: String?, environment: [String: String], executable: String,
        system: SystemDirectories = .standard
    ) -> [String] {
        var candidates: [String] = []
        if let projectDirectory { candidates.append(projectDirectory) }
        if let explicit = environment["TRADECTL_TEMPLATES_DIR"], !explicit.isEmpty { candidates.append(explicit) }
        candidates += ["\(system.overrides)/templates", "\(system.shipped)/templates"]
        if let beside = besideExecutable(executable) { candidates.append(beside) }
        var seen: Set<String> = []
        return candidates.filter { seen.insert(SystemDirectories.canonical($0)).inserted }
    }

    /// Reads every template from the first directory of `searchPath` that has it.
    public static func load(searchPath: [String]) throws -> TemplateSet {
        var sources: [String: String] = [:]
        var paths: [String: String] = [:]
        for name in names {
            let candidates = searchPath.map { "\($0)/\(name).mustache" }
            guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
                throw TemplateError(
                    message: "template \(name).mustache not found in "
                        + (searchPath.isEmpty ? "any directory" : searchPath.joined(separator: ", "))
                        + "; set project.templates_dir or TRADECTL_TEMPLATES_DIR, or install the package")
            }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw TemplateError(message: "template \(path) is not readable UTF-8 text")
            }
            sources[name] = text
            paths[name] = path
        }
        return TemplateSet(sources: sources, paths: paths)
    }

    /// Reads the templates from a project's own directory first, then one built-in directory.
    public static func load(projectDirectory: String?, builtinDirectory: String?) throws -> TemplateSet {
        try load(searchPath: [projectDirectory, builtinDirectory].compactMap { $0 })
    }

    /// One built-in directory: `$TRADECTL_TEMPLATES_DIR`, else the templates next to the binary.
    public static func builtinDirectory(environment: [String: String], executable: String) -> String? {
        if let explicit = environment["TRADECTL_TEMPLATES_DIR"], !explicit.isEmpty { return explicit }
        return besideExecutable(executable)
    }

    /// The development fallback: `share/tradectl/templates` next to the binary's `bin/`, or the
    /// `templates/` of the source checkout a development build (`.build/…/tradectl`) lives in.
    public static func besideExecutable(_ executable: String) -> String? {
        var directory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        let installed = directory.appendingPathComponent("../share/tradectl/templates").standardized.path
        if FileManager.default.fileExists(atPath: "\(installed)/service.mustache") { return installed }
        for _ in 0..<8 {
            let candidate = directory.appendingPathComponent("templates").path
            if FileManager.default.fileExists(atPath: "\(candidate)/service.mustache") { return candidate }
            if directory.path == "/" { break }
            directory.deleteLastPathComponent()
        }
        return nil
    }

    /// Renders one template; values must already be checked with `UnitValue` (escaping of
    /// `%` happens here, through the SYSTEMD content type).
    public func render(_ name: String, context: [String: Any]) throws -> String {
        guard let source = sources[name] else { throw TemplateError(message: "no template named \(name)") }
        SystemdContentType.registerOnce()
        let template: MustacheTemplate
        do {
            template = try MustacheTemplate(string: "{{% CONTENT_TYPE: SYSTEMD}}" + source)
        } catch {
            throw TemplateError(message: "template \(name).mustache does not parse: \(error)")
        }
        return Self.tidy(template.render(context))
    }

    /// Collapses runs of blank lines left by optional sections, and ends with one newline.
    static func tidy(_ text: String) -> String {
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.reversed().drop { $0 == " " || $0 == "\t" }
            let clean = Substring(String(trimmed.reversed()))
            if clean.isEmpty && (lines.last?.isEmpty ?? true) { continue }
            lines.append(clean)
        }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }
}

public struct TemplateError: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var exitStatus: ExitStatus { .dataError }
    public var message: String
    public var description: String { message }
}

/// Mustache content type for unit files: `%` becomes `%%` so user data cannot use specifiers.
struct SystemdContentType: MustacheContentType {
    func escapeText(_ text: String) -> String { UnitValue.escape(text) }

    private static let registration: Void = { MustacheContentTypes.register(SystemdContentType(), named: "SYSTEMD") }()
    static func registerOnce() { _ = registration }
}
