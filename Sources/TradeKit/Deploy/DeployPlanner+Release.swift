import Foundation

extension DeployPlanner {
    /// New release: copy, link shared paths, seed shared files, build hooks, then metadata.
    /// Returns true when a new release is created.
    func planRelease(_ plan: inout Plan) throws -> Bool {
        let directory = layout.release(version)
        switch survey.releases[version] {
        case .complete(let metadata)?:
            guard metadata.digest == survey.source.digest else {
                throw DeployPlanError(
                    message: "release \(version) already exists with different content (releases are immutable); "
                        + "deploy under another --version")
            }
            plan.add(
                .copyRelease(source: request.sourceTree(deployment), release: directory, skip: [], owner: nil),
                .unchanged)
            planSeeds(&plan)
            return false
        case .incomplete?:
            plan.add(.remove(path: directory), .delete, note: "incomplete release left by an interrupted deploy")
        case nil:
            break
        }
        let skip = Set(deployment.releases.shared.map(\.path))
        plan.add(
            .copyRelease(source: request.sourceTree(deployment), release: directory, skip: skip, owner: nil), .create,
            note: "\(survey.source.entries.count) entries from \(request.sourceName(deployment))")
        for shared in deployment.releases.shared {
            let path = "\(directory)/\(shared.path)"
            plan.add(.symlink(path: path, target: DeployLayout.relativeLink(fromReleasePath: shared.path)), .create)
        }
        planSeeds(&plan)
        for hook in deployment.releases.build {
            plan.add(.hook(command: hook, directory: directory, environment: hookEnvironment), .run, note: "build")
        }
        let metadata = ReleaseMetadata(
            version: version, digest: survey.source.digest, source: request.sourceName(deployment),
            createdAt: request.now,
            createdBy: request.user, tradectlVersion: TradectlVersion.current, commit: request.commit)
        plan.add(.finalizeRelease(release: directory, metadata: metadata), .create)
        return true
    }

    /// Shared files missing in `shared/` are seeded once from the source and never overwritten.
    private func planSeeds(_ plan: inout Plan) {
        for shared in deployment.releases.shared where !shared.isDirectory {
            let path = layout.shared(shared.path)
            if survey.paths[path] != nil { continue }
            guard let seed = survey.seeds[shared.path] else {
                plan.notes.append("shared file \(path) does not exist and the source has none to seed it")
                continue
            }
            plan.add(
                .file(
                    path: path, content: seed, mode: shared.isSecret ? UInt32(0o600) : UInt32(0o640), owner: owner,
                    secret: shared.isSecret),
                .create, note: "seeded from the release source",
                diff: shared.isSecret ? "(secret file: content not shown)" : nil)
        }
    }

    /// `current` → `releases/<version>`, switched by renaming a temp link over it, after
    /// the pre-switch hooks (e.g. migrations) ran inside the new release.
    func planCurrent(_ plan: inout Plan) -> Bool {
        if survey.current != version {
            for hook in deployment.releases.preSwitch {
                plan.add(
                    .hook(command: hook, directory: layout.release(version), environment: hookEnvironment), .run,
                    note: "pre-switch")
            }
        }
        return planLink(
            &plan, path: layout.current, target: "releases/\(version)", note: survey.current.map { "was \($0)" })
    }

    /// What hooks are told (docs/deploy-update-rollback.md).
    var hookEnvironment: [String: String] {
        var environment = [
            "TRADECTL_PROJECT": deployment.project.name, "TRADECTL_VERSION": version,
            "TRADECTL_COMMAND": request.command,
            "TRADECTL_ROOT": layout.root, "TRADECTL_SHARED": layout.shared, "TRADECTL_CONFIG": deployment.configPath,
        ]
        if let previous = survey.current { environment["TRADECTL_PREVIOUS_VERSION"] = previous }
        return environment
    }

    /// Keeps `releases.keep` complete releases (current and new always kept); removes leftovers of crashes.
    func planPrune(_ plan: inout Plan) {
        var complete: [(String, Date)] = []
        for (name, state) in survey.releases
        where name != version && name != survey.current && name != survey.rollbackTarget {
            switch state {
            case .complete(let metadata): complete.append((name, metadata.createdAt))
            case .incomplete: plan.add(.remove(path: layout.release(name)), .delete, note: "incomplete release")
            }
        }
        let protected = Set([version, survey.current, survey.rollbackTarget].compactMap { $0 })
        let kept = max(0, deployment.releases.keep - protected.count)
        let byAge = complete.sorted { $0.1 > $1.1 }
        for (name, _) in byAge.dropFirst(kept) {
            plan.add(
                .remove(path: layout.release(name)), .delete, note: "beyond releases.keep = \(deployment.releases.keep)"
            )
        }
    }
}
