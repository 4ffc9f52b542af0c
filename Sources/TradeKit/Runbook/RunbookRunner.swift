import Foundation

/// Runs a runbook's steps in order, one child process each, and applies the run policy:
/// stop at the first failure, end early when a check passes, rehearse with `--dry-run`.
///
/// The runner holds no project lock: each step is a tradectl command that takes the lock
/// itself when it mutates, exactly as when the operator types it.
public struct RunbookRunner: Sendable {
    public struct Options: Sendable, Equatable {
        /// Mutating steps get `--dry-run`; read-only steps run for real; nothing is asked or recorded.
        public var dryRun: Bool
        /// Run every step without asking (required when stdin is not a terminal).
        public var assumeYes: Bool
        /// First step to run (1-based); earlier steps and their prose are skipped.
        public var from: Int
        /// Global options of the `runbook run` invocation, appended to every step (`--config X --root Y`).
        public var passthrough: [String]

        public init(dryRun: Bool = false, assumeYes: Bool = false, from: Int = 1, passthrough: [String] = []) {
            self.dryRun = dryRun
            self.assumeYes = assumeYes
            self.from = from
            self.passthrough = passthrough
        }
    }

    public var executor: any RunbookStepExecutor
    public var console: any RunbookConsole
    public var audit: (any RunbookAuditLog)?
    public var user: String
    public var pid: Int32
    public var now: @Sendable () -> Date

    public init(
        executor: any RunbookStepExecutor, console: any RunbookConsole, audit: (any RunbookAuditLog)?, user: String,
        pid: Int32 = getpid(), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.executor = executor
        self.console = console
        self.audit = audit
        self.user = user
        self.pid = pid
        self.now = now
    }

    // MARK: - Policy (pure)

    /// The argument vector of a step: its own arguments, `--dry-run` for a mutating step in a
    /// dry run, then the runbook's global options. Stdin is inherited except in a dry run.
    /// Commands with their own `--yes` confirmation.
    static let confirmingCommands: Set<String> = ["restore"]

    public static func invocation(for step: RunbookStep, options: Options) -> StepInvocation {
        var arguments = step.arguments
        if options.dryRun, step.classification.effect == .mutating, !arguments.contains("--dry-run") {
            arguments.append("--dry-run")
        }
        // `runbook run --yes` is the operator's confirmation of every step, including those
        // that ask again themselves (restore asks for the project name on a terminal).
        if options.assumeYes, !options.dryRun, let command = arguments.first, confirmingCommands.contains(command),
            !arguments.contains("--yes")
        {
            arguments.append("--yes")
        }
        return StepInvocation(
            arguments: arguments + options.passthrough, input: options.dryRun ? .null : .inherit,
            rehearsal: options.dryRun)
    }

    /// What a step's exit status means for the run.
    public enum Verdict: String, Sendable, Equatable {
        /// Go on to the next step.
        case next
        /// A check passed: the problem is gone; the run ends with exit 0.
        case resolved
        /// A check passed in a dry run: a real run would end here; the rehearsal goes on.
        case wouldResolve = "would resolve"
        /// A check did not pass: it was a diagnosis; go on.
        case diagnosis
        /// A read-only step exited non-zero in a dry run: it reports state, not a broken runbook; go on.
        case tolerated
        /// Stop the run here.
        case failure
    }

    /// The rule, in one place:
    /// - exit 0: next step; for a check step, resolved (a dry run goes on: "would resolve").
    /// - exit 64 (usage), a signal, or a process that did not start: failure, always — the
    ///   step itself is wrong or was interrupted.
    /// - other non-zero: a check step goes on (diagnosis); in a dry run a read-only step goes
    ///   on (its state is shown, e.g. `health` exit 2 on a test machine); otherwise failure.
    ///   A mutating step whose `--dry-run` fails aborts the dry run: its plan could not be made.
    public static func verdict(for step: RunbookStep, status: StepStatus, dryRun: Bool) -> Verdict {
        switch status {
        case .exited(0):
            guard step.kind == .check else { return .next }
            return dryRun ? .wouldResolve : .resolved
        case .exited(ExitStatus.usage.rawValue), .signaled, .notStarted:
            return .failure
        case .exited:
            if step.kind == .check { return .diagnosis }
            if dryRun, step.classification.effect == .readOnly { return .tolerated }
            return .failure
        }
    }

    // MARK: - Run

    public func run(_ runbook: Runbook, options: Options) async -> RunbookRunReport {
        let steps = runbook.steps
        var records: [RunbookRunReport.StepRecord] = []
        var outcome: RunbookRunReport.Outcome?
        var lastFailedCheck: RunbookStep?
        var auditFailed = false

        func record(_ command: String, _ result: String) {
            guard !options.dryRun, let audit, !auditFailed else { return }
            do {
                try audit.record(AuditEntry(at: now(), user: user, pid: pid, command: command, result: result))
            } catch {
                auditFailed = true
                console.show("warning: audit log unavailable (\(error)); steps are not being recorded\n")
            }
        }

        console.show(RunbookText.runHeader(runbook, options: options))
        record("runbook run \(runbook.id)", "started at step \(options.from) of \(steps.count)")
        var pending: [RunbookBlock] = []
        for block in runbook.blocks {
            guard case .step(let step) = block else {
                pending.append(block)
                continue
            }
            defer { pending = [] }
            guard step.number >= options.from else { continue }
            console.show(RunbookText.blocks(pending))
            let invocation = Self.invocation(for: step, options: options)
            console.show(RunbookText.stepHeader(step, total: steps.count, invocation: invocation, options: options))
            if !options.dryRun && !options.assumeYes {
                switch await console.confirm(step, total: steps.count) {
                case .run:
                    break
                case .skip:
                    records.append(
                        .init(number: step.number, arguments: invocation.arguments, status: nil, verdict: nil))
                    record(auditCommand(runbook, step), "skipped by the operator")
                    console.show("skipped step \(step.number)\n")
                    continue
                case .quit:
                    record(auditCommand(runbook, step), "not run: the operator quit")
                    outcome = .stopped(step: step.number)
                }
            }
            if outcome != nil { break }
            let status = await executor.execute(invocation)
            let verdict = Self.verdict(for: step, status: status, dryRun: options.dryRun)
            records.append(
                .init(number: step.number, arguments: invocation.arguments, status: status, verdict: verdict))
            record(auditCommand(runbook, step), "\(status)\(verdict == .next ? "" : " (\(verdict.rawValue))")")
            console.show(RunbookText.stepResult(step, status: status, verdict: verdict))
            lastFailedCheck = verdict == .diagnosis ? step : nil
            switch verdict {
            case .resolved: outcome = .resolved(step: step.number)
            case .failure: outcome = .failed(step: step.number, status: status)
            case .next, .wouldResolve, .diagnosis, .tolerated: break
            }
            if outcome != nil { break }
        }
        let final: RunbookRunReport.Outcome
        if let outcome {
            final = outcome
        } else if !options.dryRun, let check = lastFailedCheck {
            final = .unresolved(step: check.number)
        } else {
            final = .completed
        }
        // What follows the last step (follow-up notes) is shown when the run got that far.
        switch final {
        case .completed, .unresolved, .resolved(step: steps.count):
            let trailing = runbook.blocks.reversed().prefix { if case .step = $0 { false } else { true } }
            console.show(RunbookText.blocks(trailing.reversed()))
        default:
            break
        }
        let report = RunbookRunReport(runbookID: runbook.id, dryRun: options.dryRun, outcome: final, records: records)
        record("runbook run \(runbook.id)", report.summary)
        return report
    }

    private func auditCommand(_ runbook: Runbook, _ step: RunbookStep) -> String {
        "runbook \(runbook.id) step \(step.number): \(step.commandLine)"
    }
}

/// How a run went, step by step.
public struct RunbookRunReport: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// Every step ran (and in a real run the last step was not a failing check).
        case completed
        /// A check step passed.
        case resolved(step: Int)
        /// A real run ended on a check step that did not pass: the problem is still there.
        case unresolved(step: Int)
        case failed(step: Int, status: StepStatus)
        /// The operator answered `q` at this step's prompt.
        case stopped(step: Int)
    }

    public struct StepRecord: Sendable, Equatable {
        public var number: Int
        public var arguments: [String]
        /// nil when the operator skipped it.
        public var status: StepStatus?
        public var verdict: RunbookRunner.Verdict?
    }

    public var runbookID: String
    public var dryRun: Bool
    public var outcome: Outcome
    public var records: [StepRecord]

    /// 0 completed or resolved; 1 otherwise (see docs/runbooks.md).
    public var exitCode: Int32 {
        switch outcome {
        case .completed, .resolved: return 0
        case .unresolved, .failed, .stopped: return 1
        }
    }

    /// One line for the audit log and the end of the run.
    public var summary: String {
        let prefix = dryRun ? "dry run " : ""
        switch outcome {
        case .completed: return "\(prefix)completed: \(records.filter { $0.status != nil }.count) step(s) run"
        case .resolved(let step): return "resolved at step \(step)"
        case .unresolved(let step): return "not resolved: the check at step \(step) did not pass"
        case .failed(let step, let status): return "\(prefix)failed at step \(step) (\(status))"
        case .stopped(let step): return "stopped by the operator at step \(step)"
        }
    }
}
