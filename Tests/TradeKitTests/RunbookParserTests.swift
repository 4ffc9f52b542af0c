import Foundation
import Testing

@testable import TradeKit

/// Parses runbook text from a test, as if it were the file `/rb/<id>.md`.
func parseRunbook(
    _ text: String, id: String = "sample", check: RunbookParser.ArgumentCheck? = nil
) -> (
    Runbook?, [RunbookIssue]
) {
    RunbookParser(argumentCheck: check).parse(text: text, path: "/rb/\(id).md")
}

/// The lines of each issue, for asserting "reported at line N".
func issueLines(_ issues: [RunbookIssue]) -> [Int?] { issues.map(\.line) }

@Suite("Runbook parser")
struct RunbookParserTests {
    static let sample = """
        ---
        id: sample
        title: "Engine down: sample"
        severity: critical
        symptoms:
          - "health check `unit` CRITICAL"
          - heartbeat stale
            for more than a minute
        when: >
          The engine is not running
          or keeps restarting.
        x-owner: desk
        ---

        Intro prose.

        ```tradectl check
        tradectl health --check unit heartbeat
        ```

        If this fails: the engine is still down;
        read on.

        ```sh
        sudo systemctl restart v6-trading.service
        ```

        1. In a list item, indented:

           ```tradectl
           tradectl halt --reason "engine down (sample)"
           ```

        ~~~tradectl
        # a comment line is not a command
        tradectl logs --grep 'rate.?limit|429' \\
            --since 1h
        ~~~

        > **If this fails:** escalate.

        ```text
        by hand
        ```

        Closing words.
        """

    @Test("front matter: scalars, quotes, lists with continuation lines, folded text, x- keys")
    func frontMatter() throws {
        let (parsed, issues) = parseRunbook(Self.sample)
        #expect(issues.isEmpty, "\(issues)")
        let runbook = try #require(parsed)
        #expect(runbook.id == "sample")
        #expect(runbook.title == "Engine down: sample")
        #expect(runbook.severity == .critical)
        #expect(runbook.symptoms == ["health check `unit` CRITICAL", "heartbeat stale for more than a minute"])
        #expect(runbook.when == "The engine is not running or keeps restarting.")
        #expect(runbook.path == "/rb/sample.md")
    }

    @Test("steps: kinds, arguments split like a shell, lines, classification, If this fails")
    func steps() throws {
        let runbook = try #require(parseRunbook(Self.sample).0)
        let steps = runbook.steps
        #expect(steps.map(\.number) == [1, 2, 3])
        #expect(steps.map(\.kind) == [.check, .action, .action])
        #expect(steps[0].arguments == ["health", "--check", "unit", "heartbeat"])
        #expect(steps[0].line == 18)
        #expect(steps[0].classification.effect == .readOnly)
        #expect(steps[0].ifFails == "the engine is still down; read on.")
        #expect(steps[1].arguments == ["halt", "--reason", "engine down (sample)"])
        #expect(steps[1].line == 31)
        #expect(steps[1].classification.command == "halt")
        #expect(steps[1].classification.effect == .mutating)
        #expect(steps[1].ifFails == nil)
        #expect(steps[2].arguments == ["logs", "--grep", "rate.?limit|429", "--since", "1h"])
        #expect(steps[2].line == 36)
        #expect(steps[2].ifFails == "escalate.")
        #expect(steps[1].commandLine == "tradectl halt --reason 'engine down (sample)'")
    }

    @Test("fenced blocks that are not tradectl are kept as instructions, prose in order")
    func instructionsAndProse() throws {
        let runbook = try #require(parseRunbook(Self.sample).0)
        let kinds = runbook.blocks.map { block -> String in
            switch block {
            case .prose: return "prose"
            case .instruction(let instruction): return "instruction:\(instruction.info)"
            case .step(let step): return "step\(step.number)"
            }
        }
        #expect(kinds == ["prose", "step1", "instruction:sh", "prose", "step2", "step3", "instruction:text", "prose"])
        guard case .instruction(let sh) = runbook.blocks[2] else {
            Issue.record("no sh block")
            return
        }
        #expect(sh.text == "sudo systemctl restart v6-trading.service")
        #expect(sh.line == 24)
        guard case .prose(let closing, let line) = runbook.blocks.last else {
            Issue.record("no closing prose")
            return
        }
        #expect(closing == "Closing words.")
        #expect(line == 46)
    }

    @Test("a file without front matter is refused at line 1")
    func missingFrontMatter() {
        let (runbook, issues) = parseRunbook("# Engine down\n\n```tradectl\ntradectl status\n```\n")
        #expect(runbook == nil)
        #expect(
            issues.map(\.description) == [
                "/rb/sample.md:1: missing front matter: the file must start with a `---` line"
            ])
    }

    @Test("front matter errors name their lines; all are reported at once")
    func frontMatterErrors() {
        let text = """
            ---
            id: other
            title: X
            severity: urgent
            symptoms: one
            colour: red
            ---

            ```tradectl
            tradectl status
            ```
            """
        let (runbook, issues) = parseRunbook(text)
        #expect(runbook == nil)
        let messages = issues.map(\.description)
        #expect(
            messages.contains { $0.hasPrefix("/rb/sample.md:2: front matter: id `other` must match the file name") })
        #expect(messages.contains { $0.hasPrefix("/rb/sample.md:4: front matter: severity must be one of critical") })
        #expect(messages.contains { $0.hasPrefix("/rb/sample.md:5: front matter: symptoms is a list") })
        #expect(messages.contains { $0.hasPrefix("/rb/sample.md:6: front matter: unknown key `colour`") })
        #expect(messages.contains { $0.contains("when is required") })
        #expect(issues.count == 5, "\(messages)")
    }

    @Test("an unclosed front matter is an error")
    func unclosedFrontMatter() {
        let (runbook, issues) = parseRunbook("---\nid: sample\n")
        #expect(runbook == nil)
        #expect(issues.first?.message.contains("not closed") == true)
    }

    /// A valid header followed by `body`, whose first line is line 9.
    static func withBody(_ body: String) -> String {
        "---\nid: sample\ntitle: T\nseverity: low\nsymptoms:\n  - s\nwhen: w\n---\n" + body
    }

    @Test(
        "step errors are reported at the line of the offending command",
        arguments: [
            (
                "```tradectl\ntradectl status\ntradectl health\n```\n", 11,
                "one command per ```tradectl block; this block has 2 (lines 10, 11)"
            ),
            ("```tradectl\nsystemctl restart x\n```\n", 10, "must hold a `tradectl …` command, got `systemctl`"),
            ("```tradectl\ntradectl frobnicate\n```\n", 10, "unknown command `frobnicate`"),
            ("```tradectl\ntradectl db\n```\n", 10, "`db` is not a step command; use db check|optimize|vacuum"),
            ("```tradectl\ntradectl runbook run other\n```\n", 10, "`runbook run` is not a step command"),
            ("```tradectl\ntradectl status | tee x\n```\n", 10, "`|` is shell syntax"),
            ("```tradectl\ntradectl health --check \"$X\"\n```\n", 10, "`$` is shell syntax"),
            ("```tradectl\ntradectl status --config /etc/x.toml\n```\n", 10, "--config is not allowed in a step"),
            ("```tradectl\ntradectl monitor\n```\n", 10, "a step must use `monitor --once`"),
            ("```tradectl\ntradectl logs -f\n```\n", 10, "`logs --follow` never ends"),
            ("```tradectl check\ntradectl rollback\n```\n", 10, "a check step must be read-only"),
            ("```tradectl now\ntradectl status\n```\n", 9, "unknown step kind `tradectl now`"),
            ("```tradectl\n\n```\n", 9, "empty ```tradectl block"),
            ("```tradectl\ntradectl status\n", 9, "code block is not closed"),
            (
                "If this fails: call someone.\n\n```tradectl\ntradectl status\n```\n", 9,
                "`If this fails:` must directly follow"
            ),
            ("Only prose.\n", 9, "no steps"),
        ])
    func stepErrors(body: String, line: Int, message: String) {
        let (runbook, issues) = parseRunbook(Self.withBody(body))
        #expect(runbook == nil)
        #expect(issues.contains { $0.line == line && $0.message.contains(message) }, "\(issues)")
    }

    @Test("the argument check turns refused arguments into errors and missing commands into warnings")
    func argumentCheck() throws {
        let body = "```tradectl\ntradectl health --chek unit\n```\n\n```tradectl\ntradectl halt --reason x\n```\n"
        let check: RunbookParser.ArgumentCheck = { arguments in
            if arguments[0] == "halt" { return .unavailable("`halt` is not here") }
            return arguments.contains("--chek") ? .invalid("Unknown option '--chek'") : .valid
        }
        let (refused, issues) = parseRunbook(Self.withBody(body), check: check)
        #expect(refused == nil)
        #expect(issues.map(\.description).contains("/rb/sample.md:10: Unknown option '--chek'"))
        #expect(issues.contains { $0.severity == .warning && $0.line == 14 && $0.unavailableCommand == "halt" })

        let (accepted, warnings) = parseRunbook(
            Self.withBody("```tradectl\ntradectl halt --reason x\n```\n"), check: check)
        #expect(accepted?.steps.count == 1)
        #expect(warnings.map(\.severity) == [.warning])
    }

    @Test("validate() lists every problem of a text; empty means it can run")
    func validate() {
        #expect(RunbookParser.validate(text: Self.sample, path: "/rb/sample.md").isEmpty)
        let broken = Self.withBody("```tradectl\nsystemctl start x\n```\n```tradectl\ntradectl nope\n```\n")
        #expect(issueLines(RunbookParser.validate(text: broken, path: "/rb/sample.md")) == [10, 13])
    }
}

@Suite("Runbook steps: shell words and classification")
struct StepClassifierTests {
    @Test(
        "words split like a POSIX shell, without expansion",
        arguments: [
            ("tradectl status", ["tradectl", "status"]),
            ("tradectl  halt   --reason \"a b\"", ["tradectl", "halt", "--reason", "a b"]),
            ("tradectl logs --grep 'x|y $z'", ["tradectl", "logs", "--grep", "x|y $z"]),
            ("tradectl halt --reason it\\'s", ["tradectl", "halt", "--reason", "it's"]),
            ("tradectl halt --reason \"say \\\"no\\\"\"", ["tradectl", "halt", "--reason", "say \"no\""]),
            ("tradectl status # the one screen", ["tradectl", "status"]),
            ("tradectl logs --grep a#b", ["tradectl", "logs", "--grep", "a#b"]),
            ("tradectl halt --reason ''", ["tradectl", "halt", "--reason", ""]),
        ])
    func split(line: String, words: [String]) throws {
        #expect(try ShellWords.split(line) == words)
    }

    @Test("quote gives back what split reads", arguments: ["plain", "a b", "it's", "", "x|y", "$HOME", "--reason=a b"])
    func quoteRoundTrip(word: String) throws {
        #expect(try ShellWords.split(ShellWords.quote(word)) == [word])
    }

    @Test("unterminated quotes are errors")
    func unterminated() {
        #expect(throws: ShellWords.SplitError.self) { try ShellWords.split("tradectl halt --reason 'x") }
        #expect(throws: ShellWords.SplitError.self) { try ShellWords.split("tradectl halt --reason \"x") }
    }

    @Test(
        "each command has an effect; --dry-run written in a step makes it a read-only preview",
        arguments: [
            (["status"], "status", StepEffect.readOnly),
            (["health", "--check", "unit"], "health", .readOnly),
            (["backup"], "backup", .mutating),
            (["backup", "--compression", "zstd"], "backup", .mutating),
            (["backup", "list"], "backup list", .readOnly),
            (["backup", "verify", "latest"], "backup verify", .readOnly),
            (["backup", "prune"], "backup prune", .mutating),
            (["backup", "prune", "--dry-run"], "backup prune", .readOnly),
            (["restore", "latest"], "restore", .mutating),
            (["db", "check"], "db check", .readOnly),
            (["db", "vacuum", "main"], "db vacuum", .mutating),
            (["secrets", "set", "API_KEY"], "secrets set", .mutating),
            (["secrets", "list"], "secrets list", .readOnly),
            (["config", "check"], "config check", .readOnly),
            (["monitor", "--once"], "monitor", .readOnly),
            (["audit", "--since", "24h"], "audit", .readOnly),
            (["rollback", "--to", "r1"], "rollback", .mutating),
            (["run", "scan", "--follow"], "run", .mutating),
            (["run", "scan", "--dry-run"], "run", .readOnly),
            (["doctor"], "doctor", .readOnly),
            (["uninstall", "--dry-run"], "uninstall", .readOnly),
        ])
    func classify(arguments: [String], command: String, effect: StepEffect) throws {
        let classification = try StepClassifier.classify(arguments).get()
        #expect(classification.command == command)
        #expect(classification.effect == effect)
        #expect(!classification.reason.isEmpty)
    }

    @Test("every command of the contract is in the table once, with a reason")
    func table() {
        let commands = StepClassifier.entries.map(\.command)
        #expect(Set(commands).count == commands.count)
        #expect(
            StepClassifier.commandNames.isSuperset(of: [
                "status", "health", "logs", "deploy", "update", "rollback", "releases", "backup", "restore", "config",
                "halt",
                "resume", "db", "secrets", "audit", "monitor", "runbook",
            ]))
        #expect(StepClassifier.entries.allSatisfy { !$0.reason.isEmpty })
    }
}
