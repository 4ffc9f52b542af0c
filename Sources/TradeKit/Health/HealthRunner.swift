import Foundation
import Synchronization

/// Runs checks concurrently; total time ≈ the slowest check, and a hung check is
/// reported `unknown` at its timeout while the others still report.
public struct HealthRunner: Sendable {
    public init() {}

    public func run(_ checks: [Check]) async -> [CheckResult] {
        await withTaskGroup(of: (Int, [CheckResult]).self) { group in
            for (index, check) in checks.enumerated() {
                group.addTask { (index, await Self.runWithTimeout(check)) }
            }
            var results: [(Int, [CheckResult])] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
    }

    /// Races the check against its timeout without waiting for a check that never returns
    /// (a blocked read cannot be cancelled; it is abandoned and the process exits later).
    static func runWithTimeout(_ check: Check) async -> [CheckResult] {
        let started = ContinuousClock.now
        let race = FirstResult<[CheckResult]>()
        let work = Task { race.offer(await check.run()) }
        let timer = Task {
            try? await Task.sleep(for: check.timeout)
            let seconds = Double(check.timeout.components.seconds) + Double(check.timeout.components.attoseconds) / 1e18
            race.offer([
                CheckResult(
                    check: check.name, target: check.target, status: .unknown,
                    summary: String(format: "did not answer within %.1fs", seconds))
            ])
        }
        let results = await race.value()
        work.cancel()
        timer.cancel()
        let elapsed = ContinuousClock.now - started
        let milliseconds = Int(
            elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        return results.map { result in
            var result = result
            if result.durationMilliseconds == 0 { result.durationMilliseconds = milliseconds }
            return result
        }
    }
}

/// Hands out the first value offered; later offers are ignored.
final class FirstResult<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiter: CheckedContinuation<Value, Never>?
    }

    private let state = Mutex(State())

    func offer(_ value: Value) {
        let waiter: CheckedContinuation<Value, Never>? = state.withLock { state in
            guard state.value == nil else { return nil }
            state.value = value
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: value)
    }

    func value() async -> Value {
        await withCheckedContinuation { continuation in
            let ready: Value? = state.withLock { state in
                if let value = state.value { return value }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
