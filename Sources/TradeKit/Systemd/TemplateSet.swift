import Foundation
import Mustache

/// The unit templates: built-in ones, optionally overridden by a project's `templates_dir`.
public struct TemplateSet: Sendable {
    public static let names = [
        "service", "timer", "tradectl-backup.service", "tradectl-backup.timer", "tradectl-health.service",
        "tradectl-health.timer", "tradectl-monitor.service", "restart.service",
    ]

    /// Template source by name, e.g. `"service"` → contents of `service.mustache`.
    public var sources: [String: String]

    public init(sources: [String: String]) { self.sources = sources }

    /// Reads the templates: a project's own directory first, then the built-in directory.
    public static func load(projectDirectory: String?, builtinDirectory: String?) throws -> TemplateSet {
        var sources: [String: String] = [:]
        for name in names {
            let candidates = [projectDirectory, builtinDirectory].compactMap { $0 }.map { "\($0)/\(name).mustache" }
            guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }),
                let text = try? String(contentsOfFile: path, encoding: .utf8)
            else {
                throw TemplateError(
                    message: "template \(name).mustache not found in \(candidates.joined(separator: " or ")); "
                        + "set project.templates_dir or TRADECTL_TEMPLATES_DIR")
            }
            sources[name] = text
        }
        return TemplateSet(sources: sources)
    }

    /// The built-in `templates/` directory: `$TRADECTL_TEMPLATES_DIR`, the installed
    /// `share/tradectl/templates` next to the binary, or a source checkout above it.
    public static func builtinDirectory(environment: [String: String], executable: String) -> String? {
        if let explicit = environment["TRADECTL_TEMPLATES_DIR"], !explicit.isEmpty { return explicit }
        var directory = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        let installed = directory.appendingPathComponent("../share/tradectl/templates").standardized.path
        if FileManager.default.fileExists(atPath: "\(installed)/service.mustache") { return installed }
        for _ in 0..<8 {
            let candidate = directory.appendingPathComponent("templates").path
            if FileManager.default.fileExists(atPath: "\(candidate)/service.mustache") { return candidate }
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

public struct TemplateError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Mustache content type for unit files: `%` becomes `%%` so user data cannot use specifiers.
struct SystemdContentType: MustacheContentType {
    func escapeText(_ text: String) -> String { UnitValue.escape(text) }

    private static let registration: Void = { MustacheContentTypes.register(SystemdContentType(), named: "SYSTEMD") }()
    static func registerOnce() { _ = registration }
}
