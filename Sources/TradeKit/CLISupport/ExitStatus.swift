import Foundation

/// The exit codes of CLI.md, and which error maps to which.
public enum ExitStatus: Int32, Sendable {
    case success = 0
    case failure = 1
    case usage = 64
    case dataError = 65
    case unavailable = 69
    case tempFail = 75
    case noPermission = 77

    /// The documented exit code for an error thrown by a command.
    public static func of(_ error: Error) -> ExitStatus {
        switch error {
        case is ConfigError, is DeployPlanError, is TemplateError, is ArchiveRefused, is UnknownRelease: return .dataError
        case let failure as SecretsTargetError: return failure.isUsage ? .usage : .dataError
        case is UnknownDatabase, is EnvValueError, is ConfigLocationError, is SecretInput.Failure: return .usage
        case is LockHeldError: return .tempFail
        case is ServiceManagerUnavailable, is HaltIncomplete: return .unavailable
        case let failure as SystemCallError where failure.errno == EACCES || failure.errno == EPERM: return .noPermission
        case let failure as CocoaError where failure.code == .fileWriteNoPermission || failure.code == .fileReadNoPermission:
            return .noPermission
        case let failure as ExecutorError where failure.underlying.contains("Permission denied"):
            return .noPermission
        default: return .failure
        }
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
