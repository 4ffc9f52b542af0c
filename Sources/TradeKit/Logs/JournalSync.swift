import Foundation

/// A synchronisation point with journald: `journalctl --sync` returns only after journald has
/// processed every message already queued on its sockets (its Synchronize call is scheduled
/// below all pending input) and written it to the journal files.
///
/// `run --follow` needs this: a oneshot's last stdout lines sit in journald's stream socket
/// when the manager reports the unit finished, and under load journald stores them well after
/// that. Waiting "a while" lost them (a CI run printed none of a unit's lines); waiting for
/// journald itself does not.
enum JournalSync {
    /// Asks journald to sync; false when it could not (not root: the call is privileged;
    /// no journald; journalctl missing), in which case the caller falls back to waiting.
    static func request(launcher: ProcessLauncher = SubprocessLauncher()) async -> Bool {
        guard geteuid() == 0 else { return false }
        guard let result = try? await launcher.run(Command("journalctl", ["--sync"])) else { return false }
        return result.succeeded
    }
}
