import Foundation

/// One archive the plan may copy off-site.
struct PushCandidate: Sendable, Equatable {
    var path: String
    var created: Date
    var note: String

    var name: String { (path as NSString).lastPathComponent }
}

/// Off-site planning: push every local archive without a verified copy on the target (the
/// new one, and those whose earlier upload failed), then remote retention with the local
/// rules' semantics (`RetentionPolicy`) over the verified copies and those being pushed.
extension BackupPlanner {
    var offsite: OffsiteConfig { deployment.backup.offsite }

    /// The new archive, and every complete archive on disk with no verified copy on the target.
    func pushCandidates(live: [CatalogEntry], new: BackupSpec?) -> [PushCandidate] {
        guard offsite.enabled else { return [] }
        let copies = Dictionary(survey.offsiteCopies.map { ($0.archive, $0) }, uniquingKeysWith: { a, _ in a })
        var candidates: [PushCandidate] = []
        if let new {
            candidates.append(
                PushCandidate(
                    path: new.archivePath, created: new.created,
                    note: offsite.encrypted ? "off-site copy, encrypted (rclone crypt)" : "off-site copy, PLAINTEXT"))
        }
        for entry in live where entry.status == "complete" {
            let name = (entry.path as NSString).lastPathComponent
            guard copies[name]?.isVerified != true else { continue }
            let note =
                copies[name].map { "retry (\($0.attempts) failed attempt(s)): \($0.error ?? $0.status)" }
                ?? "not yet off-site"
            candidates.append(PushCandidate(path: entry.path, created: entry.created, note: note))
        }
        return candidates
    }

    /// Pushes the candidates remote retention keeps, then removes the verified copies it lets go.
    func planOffsite(_ plan: inout Plan, candidates: [PushCandidate]) {
        guard offsite.enabled else { return }
        let verified = survey.offsiteCopies.filter(\.isVerified)
        var snapshots = verified.map { (id: $0.archive, time: $0.created) }
        let pending = candidates.filter { candidate in !verified.contains { $0.archive == candidate.name } }
        snapshots += pending.map { (id: $0.name, time: $0.created) }
        let decision = offsite.retention.apply(
            snapshots, protected: Self.protectedRemote(verified), calendar: request.calendar)
        let removed = Set(decision.remove)
        var pushed: [String] = []
        for candidate in candidates where !removed.contains(candidate.name) {
            plan.add(
                PushArchive(
                    path: candidate.path, name: candidate.name, created: candidate.created, remote: offsite.label),
                .run, note: candidate.note)
            pushed.append(candidate.name)
        }
        for (name, reasons) in decision.keep.sorted(by: { $0.key > $1.key }) {
            plan.notes.append("remote: keep \(name): \(reasons.joined(separator: ", "))")
        }
        for name in decision.remove where verified.contains(where: { $0.archive == name }) {
            plan.add(
                DeleteRemoteCopy(name: name, remote: offsite.label, afterVerified: pushed), .delete,
                note: pushed.isEmpty ? "remote retention" : "remote retention, once the new copies are verified")
        }
    }

    /// The newest verified remote copy is never removed, whatever the policy says.
    static func protectedRemote(_ verified: [OffsiteCopy]) -> Set<String> {
        verified.max { $0.created < $1.created }.map { [$0.archive] } ?? []
    }

    /// `backup push [ARCHIVE]`: the named archive (again, even if verified), or every one not verified.
    func pushPlan(only path: String?) -> Plan {
        var plan = Plan(command: "backup push")
        let live = survey.catalog.filter { survey.archivesOnDisk.contains($0.path) && $0.status == "complete" }
        if let path {
            for entry in live where entry.path == path {
                plan.add(
                    PushArchive(
                        path: entry.path, name: (entry.path as NSString).lastPathComponent, created: entry.created,
                        remote: offsite.label), .run, note: "by hand")
            }
            return plan
        }
        for candidate in pushCandidates(live: live, new: nil) {
            plan.add(
                PushArchive(
                    path: candidate.path, name: candidate.name, created: candidate.created, remote: offsite.label),
                .run, note: candidate.note)
        }
        return plan
    }

    /// `backup prune --remote`: remote retention alone.
    func remotePrunePlan() -> Plan {
        var plan = Plan(command: "backup prune --remote")
        planOffsite(&plan, candidates: [])
        return plan
    }
}
