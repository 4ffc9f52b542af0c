import Foundation

/// Whether a command that interrupts trading (update, rollback, restore, db vacuum, a deploy
/// restarting a `trades = true` component) may run now.
///
/// `MutationPipeline` consults it after planning, before anything is applied, for every
/// mutation whose `interruptsTrading(_:in:)` says so: while a session is open it refuses
/// (exit 75, naming the close) or — on a terminal — asks; `--during-session` lets it through,
/// and a project without `[market]` is never gated. A dry run is never refused: its plan carries
/// a note instead.
public struct SessionGate: Sendable {
    /// nil: the project has no `[market]` table (or one that does not parse): nothing is gated.
    public var calendar: TradingCalendar?
    /// The clock's instant (`MarketClock`).
    public var now: Date
    /// `--during-session`: the operator knows the market is open.
    public var duringSession: Bool
    /// Asks a yes/no question on the terminal; nil when stdin is not a terminal (then: refuse).
    public var confirm: (@Sendable (String) -> Bool)?

    public init(
        market: MarketConfig, now: Date, duringSession: Bool, confirm: (@Sendable (String) -> Bool)? = nil
    ) {
        calendar = market.declared ? TradingCalendar(market) : nil
        self.now = now
        self.duringSession = duringSession
        self.confirm = confirm
    }

    /// Gates nothing: for mutations run by the monitor and by code with no operator to ask.
    public static let unrestricted = SessionGate(
        market: MarketConfig(), now: Date(timeIntervalSince1970: 0), duringSession: true)

    /// What to do with a command that interrupts trading.
    public enum Verdict: Sendable {
        case proceed
        /// Ask this question (a terminal is there); no means `MarketSessionOpen`.
        case ask(String, MarketSessionOpen)
        case refuse(MarketSessionOpen)
    }

    /// The verdict for `command` (`update`, `db vacuum`), which interrupts trading.
    public func verdict(for command: String) -> Verdict {
        guard !duringSession, let refusal = refusal(command) else { return .proceed }
        guard confirm != nil else { return .refuse(refusal) }
        var declined = refusal
        declined.declined = true
        return .ask("\(refusal.situation). \(command) anyway? [y/N] ", declined)
    }

    /// The note a dry run of `command` shows while a session is open.
    public func dryRunNote(for command: String) -> String? {
        guard let refusal = refusal(command) else { return nil }
        if duringSession { return "\(refusal.situation): --during-session given, \(command) would go ahead" }
        return "\(refusal.situation): \(command) would be refused without --during-session (asked on a terminal)"
    }

    /// The refusal while a session is open; nil when closed or when no `[market]` is declared.
    func refusal(_ command: String) -> MarketSessionOpen? {
        guard let calendar, case .open(let span) = calendar.state(at: now) else { return nil }
        return MarketSessionOpen(
            command: command, closes: calendar.clock(span.close), zone: calendar.timeZone.identifier,
            early: span.early, remaining: TradingCalendar.remaining(span.close.timeIntervalSince(now)))
    }
}

/// A command that interrupts trading was not run because a session is open (exit 75: try again
/// after the close).
public struct MarketSessionOpen: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    public var command: String
    /// `16:00`, in `zone`.
    public var closes: String
    public var zone: String
    public var early: Bool
    /// `2h13m`.
    public var remaining: String
    /// Asked on a terminal and not confirmed.
    public var declined = false

    /// `market open (closes 16:00 America/New_York, in 2h13m)`.
    public var situation: String {
        "market open (closes \(early ? "early at " : "")\(closes) \(zone), in \(remaining))"
    }
    public var description: String {
        declined
            ? "\(situation): not confirmed; nothing changed" : "\(situation): pass --during-session to \(command) now"
    }
    public var exitStatus: ExitStatus { .tempFail }
}
