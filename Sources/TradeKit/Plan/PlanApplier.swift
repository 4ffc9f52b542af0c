import Foundation
import Logging

/// Applies one type of effect. A capability registers its handlers with the applier; each
/// handler is built with everything it needs (the state database, the service manager …),
/// so nothing is optional at the moment an action runs.
public protocol EffectHandler: Sendable {
    associatedtype Handled: Effect
    /// Applies the effect; a returned value (an archive written, a database result) is
    /// collected in the `ApplyReport`.
    func apply(_ effect: Handled) async throws -> (any Sendable)?
}

/// What applying a plan produced, in order: typed values from the handlers.
public struct ApplyReport: Sendable {
    public private(set) var outputs: [any Sendable] = []
    /// Indexes (in `Plan.actions`) of the actions applied.
    public private(set) var applied: [Int] = []

    public init() {}

    mutating func append(index: Int, output: (any Sendable)?) {
        applied.append(index)
        if let output { outputs.append(output) }
    }

    /// Every output of type `T`, in order.
    public func all<T>(_ type: T.Type) -> [T] { outputs.compactMap { $0 as? T } }
    public func last<T>(_ type: T.Type) -> T? { all(type).last }
}

/// An action that failed while applying a plan. Carries the error itself, so its exit status
/// and its type (a health gate failure, a permission error) survive.
public struct ApplyError: Error, Sendable, CustomStringConvertible, ExitStatusReporting {
    /// `<type> <target>` of the failing action, or `health gate`.
    public var action: String
    public var underlying: any Error
    /// The plan's compensation ran (e.g. restore swapped the old data back) before this was thrown.
    public var compensated: Bool

    public var isHealthFailure: Bool { underlying is HealthGateFailure }
    public var description: String { "\(action): \(underlying)" }
    public var exitStatus: ExitStatus { ExitStatus.of(underlying) }
}

/// A plan holds an effect no registered handler applies: a programming error, refused before
/// the first action runs.
public struct MissingEffectHandler: Error, Sendable, CustomStringConvertible {
    public var types: [String]
    public var description: String { "no handler for \(types.joined(separator: ", ")) (nothing was applied)" }
}

/// Applies plans: the only place in tradectl where a planned side effect happens.
///
/// Each action is logged; `unchanged` actions are skipped. A fail point (`CrashPoint`) sits
/// before and after every action so tests can kill the process anywhere. The applier knows
/// no capability: it looks up the handler registered for each effect's type.
public struct PlanApplier: Sendable {
    private typealias Apply = @Sendable (any Effect) async throws -> (any Sendable)?
    private var handlers: [ObjectIdentifier: Apply] = [:]
    public var logger: Logger

    public init(logger: Logger, handlers: [any EffectHandler] = []) {
        self.logger = logger
        for handler in handlers { register(handler) }
    }

    /// Adds (or replaces) the handler for `H.Handled`.
    public mutating func register<H: EffectHandler>(_ handler: H) {
        handlers[ObjectIdentifier(H.Handled.self)] = { effect in
            guard let typed = effect as? H.Handled else { return nil }
            return try await handler.apply(typed)
        }
    }

    /// Applies every changing action in order and stops at the first failure; a failure after
    /// the plan's compensation point applies the compensation first.
    public func apply(_ plan: Plan) async throws -> ApplyReport {
        try checkHandlers(plan.changes + (plan.compensation?.actions ?? []))
        var report = ApplyReport()
        for (index, action) in plan.actions.enumerated() where action.change != .unchanged {
            do {
                report.append(index: index, output: try await applyOne(action, index: index))
            } catch let failure as ApplyError {
                guard let compensation = plan.compensation, index > compensation.afterIndex else { throw failure }
                logger.error(
                    "action failed; compensating",
                    metadata: ["error": "\(failure)", "compensation": "\(compensation.reason)"])
                for (offset, undo) in compensation.actions.enumerated() where undo.change != .unchanged {
                    _ = try await applyOne(undo, index: plan.actions.count + offset)
                }
                throw ApplyError(action: failure.action, underlying: failure.underlying, compensated: true)
            }
        }
        return report
    }

    private func applyOne(_ action: Action, index: Int) async throws -> (any Sendable)? {
        let effect = action.effect
        CrashPoint.hit("before action \(index): \(effect.typeName) \(effect.target)")
        logger.info(
            "apply",
            metadata: [
                "action.type": "\(effect.typeName)", "action.target": "\(effect.target)",
                "action.change": "\(action.change.rawValue)",
            ])
        let output: (any Sendable)?
        do {
            output = try await handlers[ObjectIdentifier(type(of: effect))]?(effect) ?? nil
        } catch let failure as HealthGateFailure {
            throw ApplyError(action: "health gate", underlying: failure, compensated: false)
        } catch {
            throw ApplyError(action: "\(effect.typeName) \(effect.target)", underlying: error, compensated: false)
        }
        CrashPoint.hit("after action \(index): \(effect.typeName) \(effect.target)")
        return output
    }

    private func checkHandlers(_ actions: [Action]) throws {
        let missing = actions.filter { handlers[ObjectIdentifier(type(of: $0.effect))] == nil }
            .map { "\(type(of: $0.effect)) (\($0.effect.typeName))" }
        if !missing.isEmpty { throw MissingEffectHandler(types: Array(Set(missing)).sorted()) }
    }
}
