import Foundation
import OffsiteTestServers
import Testing

@testable import TradeKit

extension RealSystemd {
    /// The host-lost drill, for real: V6 deployed under the user manager backs up to an S3
    /// server (moto) through rclone crypt; the host is then destroyed (units, root, state,
    /// local backups); a new empty root with only the config and the credentials (in the
    /// environment) is recovered from the off-site copy and trades again on the backup's data.
    @Suite(
        "Disaster recovery from an off-site copy",
        .enabled(if: Harness.available, "run under scripts/systemd-harness.sh"),
        .enabled(if: OffsiteServers.motoMissing == nil, "\(OffsiteServers.motoMissing ?? "")"), .serialized)
    struct DisasterRecoveryTests {
        static let credentials = [
            "DRILL_S3_KEY": "testing", "DRILL_S3_SECRET": "testing",
            "DRILL_CRYPT_PASSWORD": "drill-crypt-password-do-not-print", "DRILL_CRYPT_SALT": "drill-crypt-salt",
        ]

        /// A copy of examples/v6 (Harness.copyExample: its first scheduled restart a day out)
        /// with an off-site target on `moto`.
        static func config(moto: MotoServer, in directory: String) throws -> String {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Harness.copyExample("v6", to: directory)
            let path = "\(directory)/v6/tradectl.toml"
            var text = try String(contentsOfFile: path, encoding: .utf8)
            text += """

                [backup.offsite]
                type = "s3"
                endpoint = "\(moto.endpoint)"
                region = "us-east-1"
                bucket = "drill"
                path = "v6"
                access_key_env = "DRILL_S3_KEY"
                secret_key_env = "DRILL_S3_SECRET"
                crypt_password_env = "DRILL_CRYPT_PASSWORD"
                crypt_salt_env = "DRILL_CRYPT_SALT"
                retries = 1
                low_level_retries = 1

                """
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        static func sqlite(_ database: String, _ sql: String) throws -> Harness.Result {
            try Harness.run("/usr/bin/sqlite3", ["-cmd", ".timeout 10000", database, sql])
        }

        @Test("a lost host: recover --from-offsite on an empty root, V6 healthy on the last backup's data")
        func hostLost() throws {
            let moto = try MotoServer()
            let configDir = NSTemporaryDirectory() + "tradectl-it-drill-\(getpid())"
            defer { try? FileManager.default.removeItem(atPath: configDir) }
            let config = try Self.config(moto: moto, in: configDir)
            let (deployment, _) = try ConfigLoader(environment: [:]).load(path: config)
            let services = deployment.components.filter { $0.kind == .service }.map {
                UnitNames.service(deployment.project.name, $0.name)
            }
            let held = Set(deployment.killSwitch.components.map { UnitNames.service(deployment.project.name, $0) })
            let canary = "drill-\(UInt32.random(in: 0...UInt32.max))"

            // The host that will be lost: deployed, trading, backed up off-site.
            let lost = ScratchDeployment(name: deployment.project.name, config: config)
            lost.overrides = ScratchDeployment.ignoringEarlierErrors.merging(Self.credentials) { a, _ in a }
            defer { lost.tearDown() }
            let deploy = try lost.tradectl(["deploy"])
            try #require(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")
            let database = "\(lost.base)/opt/\(lost.name)/shared/data/v6.db"
            let insert = try Self.sqlite(
                database, "CREATE TABLE drill(marker TEXT); INSERT INTO drill VALUES ('\(canary)');")
            try #require(insert.status == 0, "\(insert.stderr)")
            // The engine keeps placing orders: as many as now, at least, are in the backup.
            let orders = try Self.sqlite(database, "SELECT count(*) FROM orders").stdout
            let backup = try lost.tradectl(["backup", "--verify"])
            try #require(backup.status == 0, "\(backup.stdout)\(backup.stderr)")
            #expect(backup.stdout.contains("uploaded and verified"), "\(backup.stdout)\(backup.stderr)")
            lost.tearDown()
            #expect(!FileManager.default.fileExists(atPath: lost.base), "the lost host's files are gone")

            // The new host: an empty root; the config and the credentials are all it has.
            let fresh = ScratchDeployment(name: deployment.project.name, config: config)
            fresh.overrides = lost.overrides
            defer { fresh.tearDown() }
            let dry = try fresh.tradectl(["recover", "--from-offsite", "--dry-run"])
            #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
            #expect(dry.stdout.contains("== restore ") && dry.stdout.contains("== deploy =="), "\(dry.stdout)")
            #expect(dry.stdout.contains("+ added    shared/data/v6.db"), "\(dry.stdout)")
            #expect(!FileManager.default.fileExists(atPath: fresh.base), "a dry run writes nothing")

            let recover = try fresh.tradectl(["recover", "--from-offsite"])
            try #require(recover.status == 0, "\(recover.stdout)\(recover.stderr)")
            #expect(recover.stdout.contains("recovered in"), "\(recover.stdout)")
            #expect(recover.stdout.contains("kill switch on"), "\(recover.stdout)")
            for secret in Self.credentials.values where secret != "testing" {
                #expect(!(recover.stdout + recover.stderr).contains(secret), "a credential was printed")
            }
            let restored = "\(fresh.base)/opt/\(fresh.name)/shared/data/v6.db"
            #expect(try Self.sqlite(restored, "SELECT marker FROM drill").stdout == "\(canary)\n")
            #expect(
                Int(try Self.sqlite(restored, "SELECT count(*) FROM orders").stdout.trimmed) ?? 0
                    >= Int(orders.trimmed) ?? .max, "the orders of the backup are back")
            for unit in services {
                let state = try Harness.property(unit, "ActiveState")
                #expect(held.contains(unit) ? state != "active" : state == "active", "\(unit): \(state)")
            }

            // Reconciled: trading resumes on the restored data, and the new host is healthy.
            let resume = try fresh.tradectl(["resume"])
            #expect(resume.status == 0, "\(resume.stdout)\(resume.stderr)")
            for unit in services { #expect(try Harness.property(unit, "ActiveState") == "active", "\(unit)") }
            let firstBackup = try fresh.tradectl(["backup", "--verify"])
            #expect(firstBackup.status == 0, "\(firstBackup.stdout)\(firstBackup.stderr)")
            let health = try fresh.tradectl(["health"])
            #expect(health.status == 0, "\(health.stdout)\(health.stderr)")

            // Where data exists, recover refuses: that is restore's job (it keeps a copy first).
            let again = try fresh.tradectl(["recover", "--from-offsite"])
            #expect(again.status == 64, "\(again.stdout)\(again.stderr)")
            #expect(again.stderr.contains("tradectl restore"), "\(again.stderr)")
        }
    }
}

extension String {
    fileprivate var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
