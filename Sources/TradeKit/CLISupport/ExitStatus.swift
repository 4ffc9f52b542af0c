import Foundation

/// An error that knows its documented exit code (CLI.md). Every error type a command can
/// end with declares its own, next to its definition; `ExitStatus.of` only asks.
public protocol ExitStatusReporting: Error {
    var exitStatus: ExitStatus { get }
}

/// The exit codes of CLI.md.
public enum ExitStatus: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 64
    case dataError = 65
    case unavailable = 69
    case tempFail = 75
    case noPermission = 77

    /// The documented exit code for an error thrown by a command: the error's own, else a
    /// permission error from Foundation is 77, anything else 1.
    public static func of(_ error: Error) -> ExitStatus {
        if let reporting = error as? ExitStatusReporting { return reporting.exitStatus }
        if let failure = error as? CocoaError,
            failure.code == .fileWriteNoPermission || failure.code == .fileReadNoPermission
        {
            return .noPermission
        }
        return .failure
    }

    /// What the operator should do next, appended to the one-line error.
    public static func hint(for error: Error) -> String? {
        switch of(error) {
        case .dataError: return "fix the input named above, then run `tradectl config check`"
        case .noPermission: return "run as root (system scope) or as the project's owner"
        default: return nil
        }
    }
}
