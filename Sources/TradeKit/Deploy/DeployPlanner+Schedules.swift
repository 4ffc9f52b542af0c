import Foundation

extension DeployPlanner {
    /// Records the longest gap of every oneshot's schedule (measured by the survey with
    /// systemd's own parser), so health and the monitor judge timers without a child process.
    /// A schedule `systemd-analyze` gave no gap for keeps the gap stored for it, if any, and
    /// is otherwise left out with a note: the timer check then computes it itself.
    func planScheduleGaps(_ plan: inout Plan) {
        let schedules = Set(deployment.components.filter { $0.kind == .oneshot }.compactMap(\.schedule))
        let stored = survey.storedScheduleGaps
        var gaps: [String: TimeInterval] = [:]
        for spec in schedules.sorted() {
            if let gap = survey.scheduleGaps[spec] {
                gaps[spec] = gap
                continue
            }
            let why = survey.scheduleGapProblems[spec] ?? "not measured"
            if let gap = stored[spec] {
                gaps[spec] = gap
                plan.notes.append("schedule \"\(spec)\": \(why); keeping the recorded longest gap")
            } else {
                plan.notes.append(
                    "schedule \"\(spec)\": \(why); health will run systemd-analyze for its longest gap")
            }
        }
        guard !gaps.isEmpty || !stored.isEmpty else { return }
        let change: ChangeKind =
            gaps == stored ? .unchanged : stored.isEmpty ? .create : gaps.isEmpty ? .delete : .update
        let summary = gaps.keys.sorted().map { "\"\($0)\" ≤ \(TimerCheck.span(gaps[$0] ?? 0))" }
        let note = change == .unchanged ? nil : gaps.isEmpty ? "no oneshot schedules" : summary.joined(separator: ", ")
        plan.add(RecordScheduleGaps(gaps: gaps, database: layout.stateDatabase), change, note: note)
    }
}
