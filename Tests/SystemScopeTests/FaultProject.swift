import Foundation

/// The fault matrix's own small system-scope project: one Python service that writes a
/// row and a heartbeat every second (live data that must keep growing through every
/// fault), a shared `.env`, and a backup of both. Smaller than the bundled examples, so
/// the suite boots, deploys and backs up in seconds.
enum FaultProject {
    static let name = "fsys"
    static let source = "/srv/fsys"
    static let config = "\(source)/tradectl.toml"
    static let root = "/opt/fsys"
    static let backups = "/var/backups/fsys"
    static let service = "fsys-engine.service"
    static let backupService = "fsys-backup.service"

    static let toml = """
        [project]
        name = "fsys"
        environment = "paper"
        scope = "system"
        root = "/opt/fsys"

        [releases]
        source = "app"
        keep = 3
        shared = ["data/", ".env"]
        exclude = ["data"]

        [[components]]
        name = "engine"
        kind = "service"
        exec = "/usr/bin/python3 engine.py"
        env_file = ".env"
        restart = "on-failure"
        restart_sec = "1s"
        stop_timeout = "10s"
        trades = true
        probes.heartbeat = "data/heartbeat"
        probes.heartbeat_max_age = "1min"

        [backup]
        dir = "/var/backups/fsys"
        random_delay = "0s"
        databases = ["data/app.db"]
        paths = [".env"]

        [preflight]
        # backup.dir is the row's 64 MiB loop filesystem.
        min_free_disk_mib = 16

        [monitor]
        enabled = false
        interval = "5s"

        """

    static let engine = """
        import os, signal, sqlite3, time
        os.makedirs("data", exist_ok=True)
        db = sqlite3.connect("data/app.db")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE IF NOT EXISTS ticks (at REAL)")
        db.execute("CREATE TABLE IF NOT EXISTS ballast (b BLOB)")
        if db.execute("SELECT count(*) FROM ballast").fetchone()[0] == 0:
            # 1 MiB that does not compress: the slow-disk row needs a snapshot and an
            # archive whose writes take seconds at the throttled rate.
            db.executemany("INSERT INTO ballast VALUES (?)", [(os.urandom(4096),) for _ in range(256)])
        db.commit()
        stop = False
        def on_term(*_):
            global stop
            stop = True
        signal.signal(signal.SIGTERM, on_term)
        while not stop:
            db.execute("INSERT INTO ticks VALUES (?)", (time.time(),))
            db.commit()
            with open("data/heartbeat", "w") as f:
                f.write(str(time.time()))
            # To stdout, i.e. the journal: when journald stops this write fails (EPIPE), Python
            # raises and the engine exits; systemd restarts it with stdout on /dev/null.
            print("tick", flush=True)
            time.sleep(1)

        """

    /// Lays the project out under `source` inside the container.
    static func write(into container: Container) throws {
        try container.write(toml, to: config)
        try container.write(engine, to: "\(source)/app/engine.py")
        try container.write("FSYS_ACCOUNT=paper-1\n", to: "\(source)/app/.env")
    }
}
