import Foundation
import XCTest

/// User scope on a booted host: the user manager is `user@0.service`, started by systemd as
/// logind would, so journald files the project's entries under `_SYSTEMD_USER_UNIT` (the
/// test harness's standalone user manager is named like a system one and cannot show this).
extension SystemScopeTests {
    func test14_userScopeLogsAndHealthSeeUserUnits() throws {
        let container = try container
        let canary = "userscope-canary-\(UUID().uuidString.prefix(8))"
        try container.write(
            "echo '\(canary) started'\necho 'ERROR: \(canary) failed order'\nexec sleep infinity\n",
            to: "/srv/ushost/app/talk.sh")
        try container.write(
            """
            [project]
            name = "ushost"
            environment = "paper"
            scope = "user"
            root = "/root/ushost"

            [releases]
            source = "app"

            [[components]]
            name = "talker"
            exec = "/bin/sh talk.sh"

            [kill_switch]
            components = []

            [monitor]
            enabled = false

            """, to: "/srv/ushost/tradectl.toml")
        // pam_systemd sets XDG_RUNTIME_DIR for a login's manager; the test rootfs has no
        // libpam-systemd (and no user bus), so a drop-in says it instead.
        try container.write(
            "[Service]\nEnvironment=XDG_RUNTIME_DIR=/run/user/0\n",
            to: "/etc/systemd/system/user@0.service.d/tradectl-test.conf")
        XCTAssertEqual(try container.systemctl("daemon-reload").status, 0)
        let start = try container.systemctl("start", "user@0.service")
        XCTAssertEqual(start.status, 0, start.output)
        defer {
            _ = try? container.systemctl("stop", "user@0.service")
            _ = try? container.sh("rm -rf /etc/systemd/system/user@0.service.d && systemctl daemon-reload")
        }
        let user = ["XDG_RUNTIME_DIR=/run/user/0"]
        func tradectl(_ arguments: [String], timeout: Int = 120) throws -> RunResult {
            try container.exec(
                Self.environment + user + ["tradectl", "--config", "/srv/ushost/tradectl.toml"] + arguments,
                timeout: timeout)
        }
        XCTAssertTrue(
            try container.eventually(30) { try container.sh("test -S /run/user/0/systemd/private").status == 0 })
        let deploy = try tradectl(["deploy", "--skip-preflight"], timeout: 300)
        XCTAssertEqual(deploy.status, 0, deploy.output)
        defer { _ = try? tradectl(["uninstall", "--purge", "--yes"]) }

        // journald filed the lines under the user unit (what `journalctl --user-unit` reads) …
        XCTAssertTrue(
            try container.eventually(30) {
                try container.exec([
                    "journalctl", "--no-pager", "-o", "cat", "_SYSTEMD_USER_UNIT=ushost-talker.service",
                ])
                .stdout.contains("\(canary) started")
            }, "the user unit's line never reached the journal")
        // … not under _SYSTEMD_UNIT, which names the user manager: the field readers matched before.
        let systemField = try container.exec([
            "journalctl", "--no-pager", "-o", "cat", "_SYSTEMD_UNIT=ushost-talker.service",
        ])
        XCTAssertFalse(systemField.stdout.contains(canary), systemField.stdout)
        // … and tradectl finds them there: logs prints them, health counts the error line.
        let logs = try tradectl(["logs", "talker"])
        XCTAssertEqual(logs.status, 0, logs.output)
        XCTAssertTrue(logs.stdout.contains("\(canary) started"), "logs in user scope: \(logs.output)")
        XCTAssertTrue(logs.stdout.contains("talker"), logs.stdout)
        let errors = try tradectl(["logs", "talker", "--grep", "failed order", "--count"])
        XCTAssertEqual(errors.trimmed, "1", errors.output)
    }
}
