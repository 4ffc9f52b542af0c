import Foundation

/// What the CLI thinks of a step's arguments, checked against its real argument parser.
public enum ArgumentVerdict: Sendable, Equatable {
    case valid
    /// The command is in the contract but not in this build (a warning, not an error).
    case unavailable(String)
    /// tradectl would refuse these arguments (unknown flag, bad value).
    case invalid(String)
}

/// Reads a runbook file: front matter, prose, instructions and `tradectl` steps.
///
/// Every problem is reported with file and line, all of them at once, so `runbook list`
/// works as a linter. A runbook with any error is not returned: a half-understood
/// procedure must not run.
public struct RunbookParser: Sendable {
    public typealias ArgumentCheck = @Sendable ([String]) -> ArgumentVerdict

    /// Checks each step's arguments the way the binary would parse them; nil skips the check.
    public var argumentCheck: ArgumentCheck?

    public init(argumentCheck: ArgumentCheck? = nil) {
        self.argumentCheck = argumentCheck
    }

    /// Reads and parses one file.
    public func parse(file path: String) -> (runbook: Runbook?, issues: [RunbookIssue]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            return (nil, [.error("cannot be read", file: path, line: nil)])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return (nil, [.error("is not UTF-8 text", file: path, line: nil)])
        }
        return parse(text: text, path: path)
    }

    /// Parses runbook text; `path` names the file in messages and gives the expected id.
    public func parse(text: String, path: String) -> (runbook: Runbook?, issues: [RunbookIssue]) {
        var issues: [RunbookIssue] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? line.dropLast() : line
        }
        guard lines.first.map({ $0.trimmingCharacters(in: .whitespaces) }) == "---" else {
            return (nil, [.error("missing front matter: the file must start with a `---` line", file: path, line: 1)])
        }
        guard
            let close = lines.indices.dropFirst().first(where: {
                lines[$0].trimmingCharacters(in: .whitespaces) == "---"
            })
        else {
            return (nil, [.error("front matter is not closed: add a `---` line after it", file: path, line: 1)])
        }
        let header = FrontMatter(Array(lines[1..<close]), firstLine: 2, file: path, issues: &issues)
        let id = checkedID(header, path: path, issues: &issues)
        let severityText = header.text("severity")
        let severity = severityText.flatMap(RunbookSeverity.init(rawValue:))
        if severityText == nil {
            issues.append(.error("front matter: severity is required", file: path, line: 1))
        } else if severity == nil {
            let allowed = RunbookSeverity.allCases.map(\.rawValue).joined(separator: ", ")
            issues.append(
                .error(
                    "front matter: severity must be one of \(allowed), got `\(severityText ?? "")`", file: path,
                    line: header.lines["severity"]))
        }
        for key in ["title", "when"] where header.text(key) == nil {
            issues.append(.error("front matter: \(key) is required", file: path, line: header.lines[key] ?? 1))
        }
        let symptomsLine = header.lines["symptoms"]
        if header.list("symptoms").isEmpty, !issues.contains(where: { $0.line == symptomsLine && $0.file == path }) {
            issues.append(
                .error(
                    "front matter: symptoms is required: one `- symptom` per line", file: path, line: symptomsLine ?? 1)
            )
        }
        let blocks = BodyParser(path: path, argumentCheck: argumentCheck).parse(lines, from: close + 1, issues: &issues)
        if !blocks.contains(where: { if case .step = $0 { return true } else { return false } }) {
            issues.append(.error("no steps: add at least one ```tradectl block", file: path, line: close + 2))
        }
        guard !issues.contains(where: { $0.severity == .error }), let id, let severity else { return (nil, issues) }
        let runbook = Runbook(
            id: id, title: header.text("title") ?? id, severity: severity, symptoms: header.list("symptoms"),
            when: header.text("when") ?? "", path: path, blocks: blocks)
        return (runbook, issues)
    }

    /// Every problem in a runbook's text (errors and warnings); empty means it can run.
    public static func validate(text: String, path: String, argumentCheck: ArgumentCheck? = nil) -> [RunbookIssue] {
        RunbookParser(argumentCheck: argumentCheck).parse(text: text, path: path).issues
    }

    private func checkedID(_ header: FrontMatter, path: String, issues: inout [RunbookIssue]) -> String? {
        guard let id = header.text("id") else {
            issues.append(.error("front matter: id is required", file: path, line: 1))
            return nil
        }
        let line = header.lines["id"]
        let allowed = id.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
        if !allowed || id.hasPrefix("-") {
            issues.append(
                .error(
                    "front matter: id must be lower-case letters, digits and dashes, got `\(id)`", file: path,
                    line: line))
        }
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        if path.hasSuffix(".md"), stem != id {
            issues.append(
                .error("front matter: id `\(id)` must match the file name (\(stem).md)", file: path, line: line))
        }
        return id
    }
}
