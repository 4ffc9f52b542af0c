import Foundation
import Testing

@testable import TradeKit

/// `[backup.offsite]`: the config, rclone's environment and commands (as values), the
/// planner's pushes and remote retention, and the `offsite` health check.
@Suite("Off-site copies: config, plan, retention, health")
struct OffsiteTests {
    static func deployment(_ offsite: String) throws -> Deployment {
        let text = """
            [project]
            name = "demo"
            root = "/opt/demo"
            [releases]
            source = "/srv/src"
            [[components]]
            name = "engine"
            exec = "/usr/bin/python3 engine.py"
            [backup]
            dir = "/var/backups/demo"
            keep_last = 100
            [backup.offsite]
            \(offsite)
            """
        return try ConfigLoader(environment: [:], workingDirectory: "/").parse(text: text, path: "/etc/t.toml").0
    }

    static let s3 = """
        type = "s3"
        endpoint = "http://127.0.0.1:9000"
        bucket = "trading"
        path = "v6"
        env_file = "offsite.env"
        access_key_env = "S3_KEY"
        secret_key_env = "S3_SECRET"
        crypt_password_env = "CRYPT_PASS"
        crypt_salt_env = "CRYPT_SALT"
        """

    static func errors(_ offsite: String) -> [String] {
        do {
            _ = try deployment(offsite)
            return []
        } catch let error as ConfigError {
            return error.errors.map { "\($0.key): \($0.message)" }
        } catch {
            return ["\(error)"]
        }
    }

    @Test("an encrypted S3 target loads with its defaults; no section means no off-site copies")
    func loads() throws {
        let offsite = try Self.deployment(Self.s3).backup.offsite
        #expect(offsite.type == .s3)
        #expect(offsite.encrypted)
        #expect(offsite.label == "s3:trading/v6")
        #expect(offsite.keepLast == 7 && offsite.keepDaily == 14 && offsite.keepMonthly == 24)
        #expect(offsite.maxAge == .seconds(26 * 3600))
        #expect(try Self.deployment("").backup.offsite.enabled == false)
    }

    @Test("an unencrypted target is a config error unless allow_plaintext = true")
    func plaintextRefused() throws {
        let plain = Self.s3.split(separator: "\n").filter { !$0.hasPrefix("crypt_") }.joined(separator: "\n")
        #expect(Self.errors(plain).contains { $0.hasPrefix("backup.offsite.crypt_password_env: is required") })
        #expect(Self.errors(plain + "\nallow_plaintext = true").isEmpty)
        #expect(try Self.deployment(plain + "\nallow_plaintext = true").backup.offsite.encrypted == false)
    }

    @Test("secrets are variable names, never values; each type needs its keys")
    func validation() {
        let pasted = Self.s3.replacingOccurrences(of: "\"S3_SECRET\"", with: "\"wJalr/XUtnFEMI+K7MDENG\"")
        let errors = Self.errors(pasted)
        #expect(errors.contains { $0.hasPrefix("backup.offsite.secret_key_env: must be the name of a variable") })
        #expect(!errors.joined().contains("wJalr"))
        #expect(
            Self.errors("type = \"sftp\"\ncrypt_password_env = \"P\"\ncrypt_salt_env = \"S\"").contains {
                $0.hasPrefix("backup.offsite.host: is required")
            })
        #expect(
            Self.errors("type = \"rclone-remote\"\nremote = \"nocolon\"\nallow_plaintext = true").contains {
                $0.hasPrefix("backup.offsite.remote: must be an rclone remote")
            })
        #expect(Self.errors("type = \"ftp\"").contains { $0.hasPrefix("backup.offsite.type") })
    }

    @Test("rclone's environment holds the target (crypt around the store, passwords obscured); argv holds no secret")
    func environmentAndCommands() async throws {
        let offsite = try Self.deployment(Self.s3).backup.offsite
        let secrets = SecretVariables(values: [
            "S3_KEY": "AKIAKEY", "S3_SECRET": "s3-secret-value", "CRYPT_PASS": "crypt-pass-value",
            "CRYPT_SALT": "crypt-salt-value",
        ])
        let environment = try await Rclone.environment(for: offsite, secrets: secrets) { "obscured(\($0.count))" }
        #expect(
            environment == [
                "RCLONE_CONFIG_TCSTORE_TYPE": "s3", "RCLONE_CONFIG_TCSTORE_PROVIDER": "Other",
                "RCLONE_CONFIG_TCSTORE_ACCESS_KEY_ID": "AKIAKEY",
                "RCLONE_CONFIG_TCSTORE_SECRET_ACCESS_KEY": "s3-secret-value",
                "RCLONE_CONFIG_TCSTORE_ENDPOINT": "http://127.0.0.1:9000",
                "RCLONE_CONFIG_TCCRYPT_TYPE": "crypt", "RCLONE_CONFIG_TCCRYPT_REMOTE": "tcstore:trading/v6",
                "RCLONE_CONFIG_TCCRYPT_FILENAME_ENCRYPTION": "standard",
                "RCLONE_CONFIG_TCCRYPT_DIRECTORY_NAME_ENCRYPTION": "true",
                "RCLONE_CONFIG_TCCRYPT_PASSWORD": "obscured(16)", "RCLONE_CONFIG_TCCRYPT_PASSWORD2": "obscured(16)",
            ])
        let rclone = Rclone(offsite: offsite, environment: environment)
        let upload = rclone.upload(
            "/var/backups/demo/demo-20261121T023000Z.tar.gz", name: "demo-20261121T023000Z.tar.gz")
        #expect(
            upload.arguments == [
                "copyto", "/var/backups/demo/demo-20261121T023000Z.tar.gz", "tccrypt:demo-20261121T023000Z.tar.gz",
                "--config", "/dev/null", "--retries", "3", "--low-level-retries", "10", "--contimeout", "15s",
                "--timeout", "3600s", "--stats", "0",
            ])
        let check = rclone.check("/var/backups/demo/a.tar.gz", name: "a.tar.gz")
        #expect(
            Array(check.arguments.prefix(6)) == [
                "cryptcheck", "--one-way", "/var/backups/demo", "tccrypt:", "--include", "/a.tar.gz",
            ])
        for command in [upload, check, rclone.list(), rclone.download("a", to: "/tmp/a"), rclone.delete("a")] {
            for secret in secrets.secretValues { #expect(!command.description.contains(secret)) }
        }
        #expect(rclone.redact("denied for AKIAKEY") == "denied for <redacted>")
        // A missing secret names the variable and where it was looked for, never a value.
        await #expect(throws: OffsiteSecretMissing.self) {
            _ = try await Rclone.environment(for: offsite, secrets: SecretVariables(values: [:])) { $0 }
        }
    }

    @Test("sftp: the store is the login's folder; plaintext checks by downloading")
    func sftpPlaintext() async throws {
        let offsite = try Self.deployment(
            """
            type = "sftp"
            host = "backup.example"
            user = "tc"
            key_file = "/etc/tradectl/id_ed25519"
            path = "archives"
            allow_plaintext = true
            """
        ).backup.offsite
        let environment = try await Rclone.environment(for: offsite, secrets: SecretVariables(values: [:])) { $0 }
        #expect(environment["RCLONE_CONFIG_TCSTORE_KEY_FILE"] == "/etc/tradectl/id_ed25519")
        #expect(environment["RCLONE_CONFIG_TCCRYPT_TYPE"] == nil)
        let rclone = Rclone(offsite: offsite, environment: environment)
        #expect(rclone.root == "tcstore:archives")
        #expect(
            Array(rclone.check("/b/a.tar.gz", name: "a.tar.gz").arguments.prefix(3)) == [
                "check", "--download", "--one-way",
            ])
    }

    // MARK: planning

    static let day: TimeInterval = 86_400

    static func copy(_ name: String, _ created: Date, status: String = "verified") -> OffsiteCopy {
        OffsiteCopy(
            archive: name, remote: "s3:trading/v6", remotePath: name, size: 10, sha256: "x", created: created,
            status: status, uploadedAt: created, verifiedAt: status == "verified" ? created : nil, error: nil,
            attempts: 1)
    }

    static func planner(
        _ offsite: String, copies: [OffsiteCopy], onDisk: [(String, Date)] = []
    ) throws
        -> BackupPlanner
    {
        let deployment = try Self.deployment(offsite)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? .gmt
        var request = BackupRequest(now: Date(timeIntervalSince1970: 1_800_000_000), host: "h", calendar: calendar)
        request.verify = false
        let catalog = onDisk.map {
            CatalogEntry(
                path: "/var/backups/demo/\($0.0)", size: 10, sha256: "x", created: $0.1, durationMilliseconds: 1,
                compression: "gzip", status: "complete", verifiedAt: nil)
        }
        var survey = BackupSurvey(
            archivesOnDisk: Set(catalog.map(\.path)), leftovers: [], catalog: catalog, release: nil,
            releaseMetadataPath: nil, directoryExists: true)
        survey.offsiteCopies = copies
        return BackupPlanner(
            deployment: deployment, request: request, survey: survey,
            layout: DeployLayout(deployment, environment: [:]))
    }

    /// Twelve Sunday backups (restic's docs example), every copy verified off-site.
    static let sundays: [OffsiteCopy] = (0..<12).map { week in
        // 2019-09-01 11:00 UTC plus `week` weeks.
        OffsiteTests.copy(
            "demo-w\(String(format: "%02d", week)).tar.gz",
            Date(timeIntervalSince1970: 1_567_335_600 + Double(week) * 7 * OffsiteTests.day))
    }

    @Test("remote retention keeps exactly what the policy says (restic docs: --keep-monthly 3 over 12 Sundays)")
    func remoteRetentionGolden() throws {
        let planner = try Self.planner(
            Self.s3 + "\nkeep_last = 0\nkeep_daily = 0\nkeep_weekly = 0\nkeep_monthly = 3", copies: Self.sundays)
        let plan = planner.remotePrunePlan()
        // Kept: the newest Sunday of November (w11), October (w08) and September (w04).
        #expect(
            plan.changes(of: DeleteRemoteCopy.self).map(\.name)
                == ["w10", "w09", "w07", "w06", "w05", "w03", "w02", "w01", "w00"].map { "demo-\($0).tar.gz" })
        #expect(plan.changes(of: PushArchive.self).isEmpty)
        #expect(plan.notes.contains("remote: keep demo-w11.tar.gz: monthly snapshot, protected"))
    }

    @Test("the newest verified copy is never removed, even when the policy would let it go")
    func newestVerifiedProtected() throws {
        // Two newer archives failed to upload; keep_last 1 would keep only the newest.
        let copies = [
            Self.copy("demo-c.tar.gz", Date(timeIntervalSince1970: 3 * Self.day), status: "failed"),
            Self.copy("demo-b.tar.gz", Date(timeIntervalSince1970: 2 * Self.day), status: "failed"),
            Self.copy("demo-a.tar.gz", Date(timeIntervalSince1970: 1 * Self.day)),
        ]
        let planner = try Self.planner(
            Self.s3 + "\nkeep_last = 1\nkeep_daily = 0\nkeep_weekly = 0\nkeep_monthly = 0", copies: copies)
        #expect(planner.remotePrunePlan().changes(of: DeleteRemoteCopy.self).isEmpty)
    }

    @Test("a backup pushes the new archive and every archive whose upload failed; removals wait for them")
    func backupPlan() throws {
        let planner = try Self.planner(
            Self.s3 + "\nkeep_last = 2\nkeep_daily = 0\nkeep_weekly = 0\nkeep_monthly = 0",
            copies: [
                Self.copy("demo-b.tar.gz", Date(timeIntervalSince1970: 2 * Self.day), status: "failed"),
                Self.copy("demo-a.tar.gz", Date(timeIntervalSince1970: 1 * Self.day)),
                Self.copy("demo-0.tar.gz", Date(timeIntervalSince1970: 0)),
            ],
            onDisk: [("demo-b.tar.gz", Date(timeIntervalSince1970: 2 * Self.day))])
        let plan = planner.plan()
        let pushes = plan.changes(of: PushArchive.self)
        #expect(pushes.map(\.name) == [planner.spec().name, "demo-b.tar.gz"])
        #expect(pushes.allSatisfy { $0.target.hasSuffix("→ s3:trading/v6") })
        // keep_last 2 counts the two pushes; the older verified copies go once both are verified.
        let removals = plan.changes(of: DeleteRemoteCopy.self)
        #expect(removals.map(\.name) == ["demo-0.tar.gz"])
        #expect(removals.first?.afterVerified == [planner.spec().name, "demo-b.tar.gz"])
        // demo-a is the newest verified copy: protected until a newer one is verified.
        #expect(plan.notes.contains("remote: keep demo-a.tar.gz: protected"))
        // The archive is written before anything is pushed.
        let types = plan.actions.map(\.effect.typeName)
        #expect(types.firstIndex(of: "archive")! < types.firstIndex(of: "push")!)
    }

    @Test("no [backup.offsite]: the backup plan pushes nothing")
    func disabled() throws {
        let plan = try Self.planner("", copies: []).plan()
        #expect(plan.changes(of: PushArchive.self).isEmpty)
    }

    // MARK: health

    @Test(
        "offsite check: OK while fresh, WARNING when stale, failed, or never verified",
        arguments: [
            ([OffsiteTests.copy("demo-a", Date(timeIntervalSince1970: 0))], 3600.0, HealthStatus.ok),
            ([OffsiteTests.copy("demo-a", Date(timeIntervalSince1970: 0))], 100_000.0, .warning),
            (
                [
                    OffsiteTests.copy("demo-b", Date(timeIntervalSince1970: 60), status: "failed"),
                    OffsiteTests.copy("demo-a", Date(timeIntervalSince1970: 0)),
                ], 3600.0, .warning
            ),
            ([OffsiteTests.copy("demo-b", Date(timeIntervalSince1970: 60), status: "failed")], 3600.0, .warning),
        ])
    func offsiteCheck(copies: [OffsiteCopy], elapsed: TimeInterval, expected: HealthStatus) async {
        let check = OffsiteCheck(
            timeout: .seconds(1), remote: "s3:trading/v6", copies: copies, catalog: [], maxAge: .seconds(26 * 3600),
            now: Date(timeIntervalSince1970: elapsed))
        let results = await check.run()
        #expect(results.map(\.status) == [expected], "\(results.map(\.summary))")
        #expect(results.first?.check == "offsite")
    }
}

extension SecretVariables {
    /// Test-only: every value, to look for it where it must not be.
    var secretValues: [String] { ["AKIAKEY", "s3-secret-value", "crypt-pass-value", "crypt-salt-value"] }
}
