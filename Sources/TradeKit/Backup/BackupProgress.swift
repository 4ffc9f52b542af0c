import Foundation
import Synchronization

/// A progress bar on stderr, drawn only when stderr is a terminal (never in the journal).
public final class BackupProgress: Sendable {
    private struct State {
        var total = 0
        var done = 0
        var lastDrawn = Date.distantPast
    }

    /// Held while drawing too, so frames never interleave.
    private let state = Mutex(State())
    private let label: String

    /// Nil unless stderr is a TTY.
    public static func forTerminal(label: String) -> BackupProgress? {
        isatty(STDERR_FILENO) == 1 ? BackupProgress(label: label) : nil
    }

    init(label: String) { self.label = label }

    func start(total: Int) {
        state.withLock { state in
            state.total = max(total, 1)
            draw(&state)
        }
    }

    func advance(_ bytes: Int) {
        state.withLock { state in
            state.done += bytes
            if Date().timeIntervalSince(state.lastDrawn) > 0.1 { draw(&state) }
        }
    }

    func finish() {
        state.withLock { state in
            state.done = state.total
            draw(&state)
            FileHandle.standardError.write(Data("\n".utf8))
        }
    }

    private func draw(_ state: inout State) {
        state.lastDrawn = Date()
        let fraction = min(1, Double(state.done) / Double(state.total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = String(
            format: "\r%@ [%@] %3.0f%% %.1f/%.1f MiB", label, bar, fraction * 100,
            Double(state.done) / 1_048_576, Double(state.total) / 1_048_576)
        FileHandle.standardError.write(Data(line.utf8))
    }
}
