import Foundation

/// What `runbook list|show|run` print: plain text for a terminal at 3 a.m., and JSON.
public enum RunbookText {
    // MARK: - list

    public static func table(_ catalog: RunbookCatalog) -> String {
        guard !catalog.entries.isEmpty else {
            return "no runbooks found in: \(catalog.directories.map(\.path).joined(separator: ", "))\n"
        }
        let width = max(2, catalog.entries.map(\.runbook.id.count).max() ?? 0)
        var out = "ID".padded(width) + "  SEVERITY  STEPS  TITLE\n"
        for entry in catalog.entries {
            let runbook = entry.runbook
            out +=
                runbook.id.padded(width) + "  " + runbook.severity.rawValue.padded(8) + "  "
                + "\(runbook.steps.count)".padded(5) + "  " + runbook.title
                + (entry.directory.origin == .shipped
                    ? ""
                    : "  [\(entry.directory.origin == .system ? "system" : "project")"
                        + "\(entry.overrides == nil ? "" : ", overrides shipped")]")
                + "\n"
        }
        out += "(`tradectl runbook show ID` to read one, `tradectl runbook run ID --dry-run` to rehearse it)\n"
        return out
    }

    /// `runbook list --json`: one object per runbook, plus the directories searched and the problems found.
    public static func json(_ catalog: RunbookCatalog) -> String {
        struct Item: Encodable {
            var id, title, severity, when, path, source: String
            var symptoms: [String]
            var steps: Int
            var overrides: String?
        }
        struct Document: Encodable {
            var runbooks: [Item]
            var directories: [RunbookDirectory]
            var issues: [RunbookIssue]
        }
        let items = catalog.entries.map { entry in
            Item(
                id: entry.runbook.id, title: entry.runbook.title, severity: entry.runbook.severity.rawValue,
                when: entry.runbook.when, path: entry.runbook.path, source: entry.directory.origin.rawValue,
                symptoms: entry.runbook.symptoms, steps: entry.runbook.steps.count, overrides: entry.overrides)
        }
        return JSONOutput.string(Document(runbooks: items, directories: catalog.directories, issues: catalog.issues))
    }

    /// Problems for stderr: every error and warning, except that steps using commands this build
    /// lacks are summed up in one line when `summarize` (for `list`; `show` names each).
    public static func issues(_ issues: [RunbookIssue], summarize: Bool) -> String {
        let unavailable = issues.filter { $0.unavailableCommand != nil }
        var out = issues.filter { !summarize || $0.unavailableCommand == nil }.map { "\($0)\n" }.joined()
        if summarize, !unavailable.isEmpty {
            let commands = Set(unavailable.compactMap(\.unavailableCommand)).sorted().joined(separator: ", ")
            out +=
                "warning: \(unavailable.count) step(s) use commands this tradectl build lacks (\(commands)); "
                + "they fail when run (`runbook show ID` names them)\n"
        }
        return out
    }

    // MARK: - show

    public static func show(_ runbook: Runbook) -> String {
        var out = "\(runbook.title)  [\(runbook.severity.rawValue)]\n"
        out += "id: \(runbook.id)    file: \(runbook.path)\n"
        out += "when: \(runbook.when)\n"
        out += "symptoms:\n" + runbook.symptoms.map { "  - \($0)\n" }.joined()
        for block in runbook.blocks {
            switch block {
            case .step(let step):
                out += "\n" + stepTitle(step, total: runbook.steps.count) + "\n"
                out += "    $ \(step.commandLine)\n"
                if let advice = step.ifFails { out += "    if this fails: \(advice)\n" }
            default:
                out += blocks([block])
            }
        }
        return out
    }

    /// `runbook show --json`: the front matter and the body with each step's classification.
    public static func json(_ runbook: Runbook) -> String {
        struct Block: Encodable {
            var type: String
            var line: Int
            var text: String?
            var info: String?
            var number: Int?
            var kind: String?
            var command: String?
            var arguments: [String]?
            var effect: String?
            var reason: String?
            var ifFails: String?

            enum CodingKeys: String, CodingKey {
                case type, line, text, info, number, kind, command, arguments, effect, reason
                case ifFails = "if_fails"
            }
        }
        struct Document: Encodable {
            var id, title, severity, when, path: String
            var symptoms: [String]
            var blocks: [Block]
        }
        let blocks = runbook.blocks.map { block -> Block in
            switch block {
            case .prose(let text, let line): return Block(type: "prose", line: line, text: text)
            case .instruction(let instruction):
                return Block(
                    type: "instruction", line: instruction.line, text: instruction.text, info: instruction.info)
            case .step(let step):
                return Block(
                    type: "step", line: step.line, number: step.number, kind: step.kind.rawValue,
                    command: step.commandLine,
                    arguments: step.arguments, effect: step.classification.effect.rawValue,
                    reason: step.classification.reason, ifFails: step.ifFails)
            }
        }
        return JSONOutput.string(
            Document(
                id: runbook.id, title: runbook.title, severity: runbook.severity.rawValue, when: runbook.when,
                path: runbook.path, symptoms: runbook.symptoms, blocks: blocks))
    }

    // MARK: - run

    static func runHeader(_ runbook: Runbook, options: RunbookRunner.Options) -> String {
        var out = "runbook \(runbook.id): \(runbook.title)  [\(runbook.severity.rawValue)]\n"
        if options.dryRun {
            out +=
                "DRY RUN: read-only steps run for real, changing steps run with --dry-run; nothing is changed or recorded\n"
        }
        if options.from > 1 { out += "starting at step \(options.from) of \(runbook.steps.count)\n" }
        return out
    }

    /// Prose as written; instruction blocks indented and marked as things done by hand.
    static func blocks(_ blocks: [RunbookBlock]) -> String {
        var out = ""
        for block in blocks {
            switch block {
            case .prose(let text, _):
                out += "\n" + text + "\n"
            case .instruction(let instruction):
                out += "\n  (by hand, not run by tradectl\(instruction.info.isEmpty ? "" : "; \(instruction.info)"))\n"
                out += instruction.text.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)\n" }
                    .joined()
            case .step:
                break
            }
        }
        return out
    }

    static func stepTitle(_ step: RunbookStep, total: Int) -> String {
        let kind = step.kind == .check ? "check, " : ""
        let effect = step.classification.effect == .mutating ? "changes the system" : "read-only"
        return "step \(step.number)/\(total) (\(kind)\(effect))"
    }

    static func stepHeader(
        _ step: RunbookStep, total: Int, invocation: StepInvocation, options: RunbookRunner.Options
    )
        -> String
    {
        let shown = Array(invocation.arguments.dropLast(options.passthrough.count))
        return "\n== " + stepTitle(step, total: total) + "\n$ "
            + (["tradectl"] + shown).map(ShellWords.quote).joined(separator: " ") + "\n"
    }

    static func stepResult(_ step: RunbookStep, status: StepStatus, verdict: RunbookRunner.Verdict) -> String {
        let head = "-> step \(step.number): \(status)"
        switch verdict {
        case .next: return "\(head): ok\n"
        case .resolved: return "\(head): check passed, resolved\n"
        case .wouldResolve: return "\(head): check passed; a real run would end here as resolved, the dry run goes on\n"
        case .diagnosis:
            return "\(head): check not passed, continuing\n" + (step.ifFails.map { "   \($0)\n" } ?? "")
        case .tolerated: return "\(head): read-only step, state shown; the dry run goes on\n"
        case .failure: return "\(head): FAILED\n"
        }
    }

    /// The last lines of a run: how it ended and, when it did not end well, what to do next.
    /// `name` is how the operator named the runbook (an id or a path), for the resume command.
    public static func ending(
        _ report: RunbookRunReport, runbook: Runbook, options: RunbookRunner.Options, name: String? = nil
    ) -> String {
        var out = "\nrunbook \(runbook.id): \(report.summary)\n"
        func resume(_ step: Int) -> String {
            var words = ["tradectl", "runbook", "run", name ?? runbook.id]
            if options.dryRun { words.append("--dry-run") }
            words += ["--from", "\(step)"] + options.passthrough
            return words.map(ShellWords.quote).joined(separator: " ")
        }
        let step = { (number: Int) in runbook.steps.first { $0.number == number } }
        switch report.outcome {
        case .completed:
            if report.dryRun { out += "every step could run; nothing was changed\n" }
        case .resolved:
            out += "the check passed: nothing more to do\n"
        case .unresolved(let number):
            out +=
                "next: " + (step(number)?.ifFails ?? "the problem is still there; escalate to the system's owner")
                + "\n"
        case .failed(let number, let status):
            if case .exited(ExitStatus.usage.rawValue) = status {
                out +=
                    "exit 64 is a usage error: this tradectl does not accept the step as written (its message is above); "
                    + "fix the runbook at \(runbook.path):\(step(number)?.line ?? 0)\n"
            }
            out += "next: " + (step(number)?.ifFails ?? "read the step's output above and fix the cause") + "\n"
            out += "then resume with this step: \(resume(number))\n"
            if number < runbook.steps.count { out += "or skip it:                 \(resume(number + 1))\n" }
        case .stopped(let number):
            out += "step \(number) and the ones after it did not run; resume with: \(resume(number))\n"
        }
        return out
    }
}
