import Foundation

/// The markdown after the front matter: fenced blocks become steps or instructions, the
/// rest is prose, and a paragraph starting `If this fails:` attaches to the step before it.
struct BodyParser {
    let path: String
    let argumentCheck: RunbookParser.ArgumentCheck?

    private struct Fence {
        var marker: Character
        var length: Int
        var indent: Int
        var info: String
    }

    func parse(_ lines: [Substring], from start: Int, issues: inout [RunbookIssue]) -> [RunbookBlock] {
        var blocks: [RunbookBlock] = []
        var prose: [(line: Int, text: Substring)] = []
        var stepCount = 0
        var index = start
        while index < lines.count {
            guard let fence = Self.opening(lines[index]) else {
                prose.append((index + 1, lines[index]))
                index += 1
                continue
            }
            flush(&prose, into: &blocks, issues: &issues)
            let closing = lines.indices.dropFirst(index + 1).first { Self.closes(lines[$0], fence) }
            if closing == nil {
                issues.append(
                    .error(
                        "code block is not closed: add a line \(String(repeating: fence.marker, count: fence.length))",
                        file: path, line: index + 1))
            }
            let end = closing ?? lines.count
            let content = lines[(index + 1)..<end].enumerated().map { offset, line in
                (line: index + 2 + offset, text: Self.dedent(line, by: fence.indent))
            }
            blocks.append(block(fence, fenceLine: index + 1, content: content, stepCount: &stepCount, issues: &issues))
            index = end + 1
        }
        flush(&prose, into: &blocks, issues: &issues)
        return blocks
    }

    // MARK: - Fenced blocks

    private func block(
        _ fence: Fence, fenceLine: Int, content: [(line: Int, text: String)], stepCount: inout Int,
        issues: inout [RunbookIssue]
    ) -> RunbookBlock {
        let words = fence.info.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { $0.lowercased() }
        guard words.first == "tradectl" else {
            return .instruction(
                .init(info: fence.info, text: content.map(\.text).joined(separator: "\n"), line: fenceLine))
        }
        var kind = RunbookStep.Kind.action
        if words.count > 1 {
            if words.count == 2, words[1] == "check" {
                kind = .check
            } else {
                issues.append(
                    .error(
                        "unknown step kind `\(fence.info)`: use ```tradectl (a step) or ```tradectl check (a check step)",
                        file: path, line: fenceLine))
            }
        }
        stepCount += 1
        let commands = Self.commands(content)
        let fallback = StepClassification(command: "", effect: .mutating, reason: "")
        let emptyStep = RunbookStep(
            number: stepCount, kind: kind, arguments: [], line: fenceLine, classification: fallback)
        guard let command = commands.first else {
            issues.append(
                .error("empty ```tradectl block: write one `tradectl …` command in it", file: path, line: fenceLine))
            return .step(emptyStep)
        }
        if commands.count > 1 {
            let lineNumbers = commands.map { "\($0.line)" }.joined(separator: ", ")
            issues.append(
                .error(
                    "one command per ```tradectl block; this block has \(commands.count) (lines \(lineNumbers)): "
                        + "split it into one block per command", file: path, line: commands[1].line))
        }
        let split: [String]
        do {
            split = try ShellWords.split(command.text)
        } catch {
            issues.append(.error("\(error)", file: path, line: command.line))
            return .step(emptyStep)
        }
        guard split.first == "tradectl" else {
            let first = split.first ?? ""
            issues.append(
                .error(
                    "a ```tradectl block must hold a `tradectl …` command, got `\(first)`; "
                        + "use a ```sh block for what the operator does by hand", file: path, line: command.line))
            return .step(emptyStep)
        }
        let arguments = Array(split.dropFirst())
        switch StepClassifier.classify(arguments) {
        case .failure(let refusal):
            issues.append(.error(refusal.message, file: path, line: command.line))
            return .step(emptyStep)
        case .success(let classification):
            if kind == .check, classification.effect == .mutating {
                issues.append(
                    .error(
                        "a check step must be read-only (`\(classification.command)` changes the system): "
                            + "use ```tradectl for it", file: path, line: command.line))
            }
            switch argumentCheck?(arguments) ?? .valid {
            case .valid: break
            case .unavailable(let message):
                issues.append(
                    .init(.warning, file: path, line: command.line, message: message, unavailableCommand: arguments[0]))
            case .invalid(let message): issues.append(.error(message, file: path, line: command.line))
            }
            return .step(
                RunbookStep(
                    number: stepCount, kind: kind, arguments: arguments, line: command.line,
                    classification: classification))
        }
    }

    /// The command lines of a block: blank and `#` lines skipped, `\` continuations joined.
    static func commands(_ content: [(line: Int, text: String)]) -> [(line: Int, text: String)] {
        var result: [(line: Int, text: String)] = []
        var pending: (line: Int, text: String)?
        for (line, raw) in content {
            let text = raw.trimmingCharacters(in: .whitespaces)
            if pending == nil, text.isEmpty || text.hasPrefix("#") { continue }
            var current = pending ?? (line, "")
            if text.hasSuffix("\\"), !text.hasSuffix("\\\\") {
                current.text += String(text.dropLast()) + " "
                pending = current
                continue
            }
            current.text += text
            result.append(current)
            pending = nil
        }
        if let pending { result.append(pending) }
        return result
    }

    private static func opening(_ line: Substring) -> Fence? {
        let indent = line.prefix { $0 == " " || $0 == "\t" }.count
        let rest = line.dropFirst(indent)
        guard let marker = rest.first, marker == "`" || marker == "~" else { return nil }
        let length = rest.prefix { $0 == marker }.count
        guard length >= 3 else { return nil }
        let info = rest.dropFirst(length).trimmingCharacters(in: .whitespaces)
        if marker == "`", info.contains("`") { return nil }  // inline code, not a fence
        return Fence(marker: marker, length: length, indent: indent, info: info)
    }

    private static func closes(_ line: Substring, _ fence: Fence) -> Bool {
        let text = line.trimmingCharacters(in: .whitespaces)
        return text.count >= fence.length && text.allSatisfy { $0 == fence.marker }
    }

    private static func dedent(_ line: Substring, by count: Int) -> String {
        var dropped = 0
        return String(
            line.drop { character in
                guard dropped < count, character == " " || character == "\t" else { return false }
                dropped += 1
                return true
            })
    }

    // MARK: - Prose

    /// `If this fails:`, also as `**If this fails:**` or in a `>` quote.
    private static let ifFailsPattern = try? NSRegularExpression(
        pattern: #"^\s*(?:>\s*)?(?:\*\*|__|\*|_)?if this fails\s*:?\s*(?:\*\*|__|\*|_)?\s*:?\s*"#,
        options: [.caseInsensitive])

    private func flush(
        _ prose: inout [(line: Int, text: Substring)], into blocks: inout [RunbookBlock], issues: inout [RunbookIssue]
    ) {
        defer { prose = [] }
        var kept: [(line: Int, text: Substring)] = []
        var paragraph: [(line: Int, text: Substring)] = []
        func endParagraph() {
            defer { paragraph = [] }
            guard let first = paragraph.first else { return }
            let text = String(first.text)
            let range = NSRange(text.startIndex..., in: text)
            guard let match = Self.ifFailsPattern?.firstMatch(in: text, range: range) else {
                kept += paragraph
                return
            }
            let lead = String(text[(Range(match.range, in: text)?.upperBound ?? text.endIndex)...])
            let rest = paragraph.dropFirst().map { line in
                line.text.trimmingCharacters(in: .whitespaces).drop { $0 == ">" }.trimmingCharacters(in: .whitespaces)
            }
            let advice = ([lead] + rest).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                .joined(separator: " ")
            // Only right after a step (no other block in between) does the advice belong to it.
            guard case .step(var step)? = blocks.last,
                kept.allSatisfy({ $0.text.trimmingCharacters(in: .whitespaces).isEmpty })
            else {
                issues.append(
                    .error("`If this fails:` must directly follow a ```tradectl block", file: path, line: first.line))
                return
            }
            step.ifFails = [step.ifFails, advice].compactMap { $0 }.joined(separator: " ")
            blocks[blocks.count - 1] = .step(step)
        }
        for line in prose {
            if line.text.trimmingCharacters(in: .whitespaces).isEmpty {
                endParagraph()
                kept.append(line)
            } else {
                paragraph.append(line)
            }
        }
        endParagraph()
        let text = kept.map { String($0.text) }.joined(separator: "\n").trimmingCharacters(in: .newlines)
        if let first = kept.first(where: { !$0.text.trimmingCharacters(in: .whitespaces).isEmpty }), !text.isEmpty {
            blocks.append(.prose(text, line: first.line))
        }
    }
}
