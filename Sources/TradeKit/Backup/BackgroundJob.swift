import Foundation

/// One blocking closure on a thread of its own, joined with `wait()`: the backup takes its
/// database snapshots and checks them while the calling thread compresses (both are blocking
/// SQLite and file I/O, which has no place on the cooperative pool).
final class BackgroundJob<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Written once by the job's thread before `done` is signalled, read only after waiting on it.
    private var result: Result<Value, Error>?

    init(name: String, _ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            result = Result { try body() }
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Blocks until the job has finished; its value or its error. Callable more than once.
    func wait() throws -> Value {
        done.wait()
        done.signal()
        return try result!.get()
    }
}
