import Foundation

/// A progress bar on stderr, drawn only when stderr is a terminal (never in the journal).
public final class BackupProgress: @unchecked Sendable {
    private var total = 0
    private var done = 0
    private var lastDrawn = Date.distantPast
    private let label: String

    /// Nil unless stderr is a TTY.
    public static func forTerminal(label: String) -> BackupProgress? {
        isatty(STDERR_FILENO) == 1 ? BackupProgress(label: label) : nil
    }

    init(label: String) { self.label = label }

    func start(total: Int) {
        self.total = max(total, 1)
        draw()
    }

    func advance(_ bytes: Int) {
        done += bytes
        if Date().timeIntervalSince(lastDrawn) > 0.1 { draw() }
    }

    func finish() {
        done = total
        draw()
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw() {
        lastDrawn = Date()
        let fraction = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = String(format: "\r%@ [%@] %3.0f%% %.1f/%.1f MiB", label, bar, fraction * 100,
                          Double(done) / 1_048_576, Double(total) / 1_048_576)
        FileHandle.standardError.write(Data(line.utf8))
    }
}
