import Foundation
import OffsiteTestServers
import Testing

@testable import TradeKit

/// Off-site copies against real servers on loopback: an S3 server (moto) and an SSH server
/// (sshd), through the real rclone. Skipped, saying why, only where a server binary is absent.
@Suite("Off-site copies against real S3 and SFTP servers", .serialized)
struct OffsiteServerTests {
    static let bucket = "tradectl-offsite"

    static func s3Config(_ moto: MotoServer, extra: String = "") -> String {
        """
        [backup.offsite]
        type = "s3"
        endpoint = "\(moto.endpoint)"
        region = "us-east-1"
        bucket = "\(bucket)"
        path = "demo"
        env_file = "offsite.env"
        access_key_env = "OFFSITE_KEY"
        secret_key_env = "OFFSITE_SECRET"
        crypt_password_env = "OFFSITE_CRYPT_PASSWORD"
        crypt_salt_env = "OFFSITE_CRYPT_SALT"
        retries = 1
        low_level_retries = 1
        \(extra)
        """
    }

    static let cryptPassword = "correct-horse-battery-offsite"

    static func writeSecrets(_ fixture: BackupFixture) {
        _ = fixture.dir.write(
            "root/opt/demo/shared/offsite.env",
            """
            OFFSITE_KEY=testing
            OFFSITE_SECRET=testing
            OFFSITE_CRYPT_PASSWORD=\(cryptPassword)
            OFFSITE_CRYPT_SALT=pepper-for-the-salt

            """, mode: 0o600)
    }

    func copies(_ fixture: BackupFixture) throws -> [String] {
        try sqlite(
            "\(fixture.root)/var/lib/tradectl/demo/state.db",
            "SELECT archive || ' ' || status FROM offsite_copies ORDER BY created_at"
        ).split(separator: "\n").map(String.init)
    }

    func health(_ fixture: BackupFixture) throws -> String? {
        let result = try fixture.tradectl(["health", "--check", "offsite", "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return (report?["results"] as? [[String: Any]])?.first?["status"] as? String
    }

    @Test(
        "backup → encrypted object in S3 → remote verify ok → a flipped byte makes verify --remote exit 65",
        .enabled(if: OffsiteServers.motoMissing == nil, "\(OffsiteServers.motoMissing ?? "")"))
    func s3RoundTrip() throws {
        let moto = try MotoServer()
        let fixture = try BackupFixture(extra: Self.s3Config(moto))
        Self.writeSecrets(fixture)
        let dry = try fixture.tradectl(["backup", "--dry-run"])
        #expect(dry.stdout.contains("→ s3:\(Self.bucket)/demo"), "\(dry.stdout)")
        #expect(try moto.raw("lsjson -R raw:\(Self.bucket)").0.contains("Path") == false)

        let backup = try fixture.tradectl(["backup", "--verify"])
        #expect(backup.status == 0, "\(backup.stdout)\(backup.stderr)")
        #expect(backup.stdout.contains("uploaded and verified"), "\(backup.stdout)\(backup.stderr)")
        let name = try #require(fixture.archives().first)
        #expect(try copies(fixture) == ["\(name) verified"])

        // What the bucket holds: one object, name and bytes encrypted.
        let listing = try moto.raw("lsf -R --files-only raw:\(Self.bucket)")
        let objects = listing.0.split(separator: "\n").map(String.init)
        #expect(objects.count == 1, "\(listing)")
        let object = try #require(objects.first)
        #expect(!object.contains("demo-"), "the archive name is encrypted: \(object)")
        let stored = "\(fixture.dir.path)/stored.bin"
        #expect(try moto.raw("copyto 'raw:\(Self.bucket)/\(object)' '\(stored)'").1 == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: stored))
        #expect(bytes.prefix(8) == Data("RCLONE\0\0".utf8), "rclone crypt's header")
        #expect(bytes.prefix(2) != Data([0x1f, 0x8b]), "not a gzip")
        #expect(bytes.range(of: Data("test-secret-value".utf8)) == nil, "no .env canary")
        #expect(bytes.range(of: Data("ustar".utf8)) == nil, "not a tar")
        // No secret in output, logs or the state database.
        let stateDB = try Data(contentsOf: URL(fileURLWithPath: "\(fixture.root)/var/lib/tradectl/demo/state.db"))
        for secret in [Self.cryptPassword, "pepper-for-the-salt"] {
            #expect(!(backup.stdout + backup.stderr).contains(secret))
            #expect(stateDB.range(of: Data(secret.utf8)) == nil)
        }

        let list = try fixture.tradectl(["backup", "list", "--remote"])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains(name) && list.stdout.contains("verified"), "\(list.stdout)")

        let verify = try fixture.tradectl(["backup", "verify", "--remote", "latest"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        #expect(verify.stdout.contains("shared/data/demo.db: sha256 ok, integrity_check: ok"), "\(verify.stdout)")

        // One byte flipped in the stored object (past crypt's header): the copy is corrupt.
        var flipped = bytes
        flipped[100] ^= 0x01
        try flipped.write(to: URL(fileURLWithPath: stored))
        #expect(try moto.raw("copyto '\(stored)' 'raw:\(Self.bucket)/\(object)'").1 == 0)
        let corrupt = try fixture.tradectl(["backup", "verify", "--remote", "latest"])
        #expect(corrupt.status == 65, "\(corrupt.stdout)\(corrupt.stderr)")
        #expect(corrupt.stderr.contains("corrupt"), "\(corrupt.stderr)")
        #expect(try health(fixture) == "warning")
        // The next push uploads it again.
        let push = try fixture.tradectl(["backup", "push"])
        #expect(push.status == 0, "\(push.stdout)\(push.stderr)")
        #expect(try fixture.tradectl(["backup", "verify", "--remote", name]).status == 0)
    }

    @Test(
        "S3 down during a backup: the local backup succeeds with a warning, health warns, the next backup uploads both",
        .enabled(if: OffsiteServers.motoMissing == nil, "\(OffsiteServers.motoMissing ?? "")"))
    func s3Down() throws {
        let moto = try MotoServer()
        let fixture = try BackupFixture(extra: Self.s3Config(moto))
        Self.writeSecrets(fixture)
        moto.stop()
        let first = try fixture.tradectl(["backup"])
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stderr.contains("warning: off-site push"), "\(first.stderr)")
        let local = try #require(fixture.archives().first)
        #expect(try copies(fixture) == ["\(local) failed"])
        #expect(try health(fixture) == "warning")
        let audit = try fixture.tradectl(["audit", "--json"])
        #expect(audit.stdout.contains("FAILED"), "\(audit.stdout)")

        try moto.start()
        let second = try fixture.tradectl(["backup"])
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        #expect(fixture.archives().count == 2)
        let both = try copies(fixture)
        #expect(both.map { $0.hasSuffix(" verified") } == [true, true], "\(both)")
        #expect(try health(fixture) == "ok")
        let remote = try fixture.tradectl(["backup", "list", "--remote", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(remote.stdout.utf8)) as? [[String: Any]]
        #expect(rows?.count == 2)
        #expect(Set(rows?.compactMap { $0["name"] as? String } ?? []) == Set(fixture.archives()))
    }

    @Test(
        "remote retention on the server: prune --remote --dry-run shows it, prune keeps exactly keep_last",
        .enabled(if: OffsiteServers.motoMissing == nil, "\(OffsiteServers.motoMissing ?? "")"))
    func s3RemotePrune() throws {
        let moto = try MotoServer()
        let fixture = try BackupFixture(
            extra: Self.s3Config(moto, extra: "keep_last = 2\nkeep_daily = 0\nkeep_weekly = 0\nkeep_monthly = 0"))
        Self.writeSecrets(fixture)
        // keep_last 2 off-site, so the first three backups each upload and never prune below two.
        for _ in 0..<3 { #expect(try fixture.tradectl(["backup"]).status == 0) }
        let names = fixture.archives()
        #expect(names.count == 3)
        let kept = try copies(fixture)
        #expect(kept.count == 2, "\(kept)")
        let listed = try moto.raw("lsf -R --files-only raw:\(Self.bucket)").0.split(separator: "\n")
        #expect(listed.count == 2)
        let dry = try fixture.tradectl(["backup", "prune", "--remote", "--dry-run"])
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("remote: keep \(names[2])"), "\(dry.stdout)")
    }

    @Test(
        "host lost: the host-lost runbook dry-runs on an empty host, then recover brings the data back",
        .enabled(if: OffsiteServers.motoMissing == nil, "\(OffsiteServers.motoMissing ?? "")"))
    func hostLostRunbook() throws {
        let moto = try MotoServer()
        let fixture = try BackupFixture(extra: Self.s3Config(moto))
        Self.writeSecrets(fixture)
        #expect(try fixture.tradectl(["backup"]).status == 0)
        // Everything but the config is lost; the credentials come from the environment.
        for path in ["opt/demo", "var/lib/tradectl", "var/backups"] {
            try FileManager.default.removeItem(atPath: "\(fixture.root)/\(path)")
        }
        let credentials = [
            "OFFSITE_KEY": "testing", "OFFSITE_SECRET": "testing", "OFFSITE_CRYPT_PASSWORD": Self.cryptPassword,
            "OFFSITE_CRYPT_SALT": "pepper-for-the-salt",
        ]
        let rehearsal = try fixture.tradectl(
            ["runbook", "run", "\(Repo.root)/runbooks/host-lost.md", "--dry-run"], environment: credentials)
        #expect(rehearsal.status == 0, "\(rehearsal.stdout)\(rehearsal.stderr)")
        #expect(rehearsal.stdout.contains("dry run completed"), "\(rehearsal.stdout)")
        #expect(!FileManager.default.fileExists(atPath: "\(fixture.root)/opt/demo"), "a rehearsal writes nothing")

        let recover = try fixture.tradectl(["recover", "--from-offsite"], environment: credentials)
        #expect(recover.status == 0, "\(recover.stdout)\(recover.stderr)")
        #expect(recover.stdout.contains("recovered in"), "\(recover.stdout)")
        #expect(!(recover.stdout + recover.stderr).contains(Self.cryptPassword))
        #expect(try sqlite("\(fixture.shared)/data/demo.db", "SELECT count(*) FROM fills") == "500")
        #expect(FileManager.default.fileExists(atPath: "\(fixture.root)/opt/demo/current"), "deployed")
        let again = try fixture.tradectl(["recover", "--from-offsite"], environment: credentials)
        #expect(again.status == 64, "\(again.stdout)\(again.stderr)")
    }

    @Test(
        "an SFTP server works for the same push, verify and restore path",
        .enabled(if: OffsiteServers.sshdMissing == nil, "\(OffsiteServers.sshdMissing ?? "")"))
    func sftpRoundTrip() throws {
        let ssh = try SSHServer()
        let target = "\(ssh.dir.path)/remote"
        let fixture = try BackupFixture(
            extra: """
                [backup.offsite]
                type = "sftp"
                host = "127.0.0.1"
                port = \(ssh.port)
                user = "\(ssh.user)"
                key_file = "\(ssh.clientKey)"
                known_hosts_file = "\(ssh.knownHosts)"
                path = "\(target)"
                env_file = "offsite.env"
                crypt_password_env = "OFFSITE_CRYPT_PASSWORD"
                crypt_salt_env = "OFFSITE_CRYPT_SALT"
                retries = 1
                low_level_retries = 1
                """)
        Self.writeSecrets(fixture)
        let backup = try fixture.tradectl(["backup"])
        #expect(backup.status == 0, "\(backup.stdout)\(backup.stderr)")
        #expect(backup.stdout.contains("uploaded and verified"), "\(backup.stdout)\(backup.stderr)")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: target)) ?? []
        #expect(files.count == 1)
        let stored = try Data(contentsOf: URL(fileURLWithPath: "\(target)/\(try #require(files.first))"))
        #expect(stored.range(of: Data("test-secret-value".utf8)) == nil)
        let verify = try fixture.tradectl(["backup", "verify", "--remote", "latest"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        // Push by hand, again: still verified.
        let push = try fixture.tradectl(["backup", "push", try #require(fixture.archives().first)])
        #expect(push.status == 0, "\(push.stdout)\(push.stderr)")
        #expect(push.stdout.contains("uploaded and verified"))
        // And restore from it: the fills deleted since the backup come back from the SFTP copy.
        try sqlite("\(fixture.shared)/data/demo.db", "DELETE FROM fills")
        let restore = try fixture.tradectl(["restore", "--from-offsite", "latest", "--yes"])
        #expect(restore.status == 0, "\(restore.stdout)\(restore.stderr)")
        #expect(try sqlite("\(fixture.shared)/data/demo.db", "SELECT count(*) FROM fills") == "500")
    }
}
