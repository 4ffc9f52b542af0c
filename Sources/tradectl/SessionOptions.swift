import ArgumentParser
import Foundation
import TradeKit

/// `--during-session`, shared by the commands that interrupt trading (update, rollback, restore,
/// db vacuum, deploy): see docs/market-hours.md.
struct SessionOptions: ParsableArguments {
    @Flag(
        help: """
            Run even while a [market] session is open (otherwise: asked on a terminal, refused \
            with exit 75 elsewhere).
            """)
    var duringSession = false
}

extension CommandContext {
    /// The instant market-hours decisions use: `TRADECTL_NOW` when set (tests, the demo), else now.
    func marketNow() throws -> Date { try MarketClock.now(environment: environment) }

    /// The session gate for this invocation: the project's `[market]`, the clock, `--during-session`,
    /// and a yes/no question on stderr when stdin is a terminal.
    func sessionGate(_ deployment: Deployment, _ options: SessionOptions) throws -> SessionGate {
        try sessionGate(deployment, duringSession: options.duringSession)
    }

    func sessionGate(_ deployment: Deployment, duringSession: Bool) throws -> SessionGate {
        var confirm: (@Sendable (String) -> Bool)?
        if isatty(STDIN_FILENO) == 1 { confirm = { question in CommandContext.askYesNo(question) } }
        return SessionGate(
            market: deployment.market, now: try marketNow(), duringSession: duringSession, confirm: confirm)
    }

    static func askYesNo(_ question: String) -> Bool {
        FileHandle.standardError.write(Data(question.utf8))
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return answer == "y" || answer == "yes"
    }
}
