import Foundation

/// One incident or routine procedure, read from a `runbooks/*.md` file.
///
/// The file is plain markdown an operator can read anywhere (GitHub, `less`); only its
/// front matter and its `tradectl` code blocks carry meaning for `tradectl runbook`.
public struct Runbook: Sendable, Equatable {
    /// The file name without `.md`; what `runbook show|run NAME` takes.
    public var id: String
    public var title: String
    public var severity: RunbookSeverity
    public var symptoms: [String]
    /// When to use it, in one or two sentences.
    public var when: String
    /// The file it was read from.
    public var path: String
    /// Everything after the front matter, in file order.
    public var blocks: [RunbookBlock]

    public init(
        id: String, title: String, severity: RunbookSeverity, symptoms: [String], when: String, path: String,
        blocks: [RunbookBlock]
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.symptoms = symptoms
        self.when = when
        self.path = path
        self.blocks = blocks
    }

    /// The executable steps, numbered from 1 in file order.
    public var steps: [RunbookStep] {
        blocks.compactMap { block in
            if case .step(let step) = block { return step }
            return nil
        }
    }
}

/// How urgent the situation a runbook handles is; `routine` for checklists and maintenance.
public enum RunbookSeverity: String, Sendable, Codable, CaseIterable, Comparable {
    case critical, high, medium, low, routine

    private var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// A piece of the runbook body.
public enum RunbookBlock: Sendable, Equatable {
    /// Markdown text between code blocks: headings, explanations.
    case prose(String, line: Int)
    /// A fenced block that is not a step (```sh, ```text …): shown to the operator, never run.
    case instruction(RunbookInstruction)
    /// A ```tradectl or ```tradectl check block: one tradectl command.
    case step(RunbookStep)
}

/// A fenced block for the operator to read or do by hand.
public struct RunbookInstruction: Sendable, Equatable {
    /// The fence's info string (`sh`, `text`, or empty).
    public var info: String
    public var text: String
    /// Line of the opening fence.
    public var line: Int

    public init(info: String, text: String, line: Int) {
        self.info = info
        self.text = text
        self.line = line
    }
}

/// One `tradectl` command of a runbook.
public struct RunbookStep: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// ```tradectl: must succeed; a failure stops the run.
        case action
        /// ```tradectl check: a diagnosis; passing ends the run as resolved, failing goes on.
        case check
    }

    /// 1-based position among the runbook's steps (what `--from` takes).
    public var number: Int
    public var kind: Kind
    /// The arguments after `tradectl`, split as a shell would split them (no expansion).
    public var arguments: [String]
    /// Line of the command in the file.
    public var line: Int
    /// What the command does to the machine, from `StepClassifier`.
    public var classification: StepClassification
    /// The runbook's advice when this step fails (a paragraph starting `If this fails:`).
    public var ifFails: String?

    public init(
        number: Int, kind: Kind, arguments: [String], line: Int, classification: StepClassification,
        ifFails: String? = nil
    ) {
        self.number = number
        self.kind = kind
        self.arguments = arguments
        self.line = line
        self.classification = classification
        self.ifFails = ifFails
    }

    /// The command as an operator would type it, quoted where needed.
    public var commandLine: String { (["tradectl"] + arguments).map(ShellWords.quote).joined(separator: " ") }
}
