import Foundation
import Testing

@testable import TradeKit

/// A running monitor's view of its config file (ConfigWatch.swift).
@Suite("Config watch")
struct ConfigWatchTests {
    @Test("unchanged, broken (first error with file, line and key), fixed and changed")
    func verdicts() throws {
        let dir = TempDir()
        let good = minimalConfig(source: dir.path) + "\n[alerts]\nrepeat_after = \"1h\"\n"
        let path = dir.write("tradectl.toml", good)
        var watch = ConfigWatch(path: path, environment: [:])
        #expect(watch.check() == .unchanged)
        #expect(ConfigWatch.observation(.unchanged).status == .ok)

        try good.replacingOccurrences(of: "\"1h\"", with: "\"soon\"").write(
            toFile: path, atomically: true, encoding: .utf8)
        let verdict = watch.check()
        guard case .invalid(let first, _) = verdict else {
            Issue.record("expected invalid, got \(verdict)")
            return
        }
        let line = good.components(separatedBy: "\n").firstIndex { $0.hasPrefix("repeat_after") }.map { $0 + 1 }
        #expect(first.file == path && first.line == line && first.key == "alerts.repeat_after", "\(first)")
        let observation = ConfigWatch.observation(verdict)
        #expect(observation.key == "config" && observation.status == .critical)
        #expect(observation.summary.contains("\(path):\(line ?? 0)"), "\(observation.summary)")
        #expect(watch.check() == verdict, "judged once per content")

        try good.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(watch.check() == .unchanged, "the bytes it runs on again")
        try good.replacingOccurrences(of: "\"1h\"", with: "\"2h\"").write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect(watch.check() == .changed)
        #expect(ConfigWatch.observation(.changed).status == .ok)

        try FileManager.default.removeItem(atPath: path)
        guard case .invalid = watch.check() else {
            Issue.record("a deleted config is not a loadable one")
            return
        }
    }
}
