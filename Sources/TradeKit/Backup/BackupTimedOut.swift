import Foundation

/// A backup still writing after `backup.timeout` (a slow or failing disk): the writer stops at
/// its next step, removes the partial archive and its snapshots, and fails with this one line.
public struct BackupTimedOut: Error, Sendable, CustomStringConvertible {
    /// The directory as the config names it.
    public var directory: String
    public var timeout: Duration
    /// What was being written when the time ran out, e.g. `shared/data/app.db`.
    public var step: String

    public var description: String {
        let limit = ConfigDuration(milliseconds: Int(timeout.components.seconds * 1000)).description
        return "the backup did not finish within backup.timeout (\(limit)) while writing \(step) to \(directory): "
            + "the partial archive was removed and the existing archives are intact; check that disk "
            + "(iostat -x 1, dmesg) and run the backup again, or raise backup.timeout"
    }
}

/// The writer's clock: monotonic, so a wall clock stepped during the backup neither fires
/// nor postpones the timeout.
struct BackupDeadline {
    let timeout: Duration?
    let directory: String
    private let end: ContinuousClock.Instant?

    init(timeout: Duration?, directory: String) {
        self.timeout = timeout
        self.directory = directory
        end = timeout.map { ContinuousClock.now + $0 }
    }

    /// Throws `BackupTimedOut` once the time is up.
    func check(_ step: @autoclosure () -> String) throws {
        guard let end, let timeout, ContinuousClock.now >= end else { return }
        throw BackupTimedOut(directory: directory, timeout: timeout, step: step())
    }
}
