import GRDB

/// The schema and its migrations, one per table family; shipped migrations are never edited.
extension StateStore {
    /// The schema of migration "v1: play", as shipped: never edit it (a test also builds an old
    /// database from it).
    static let version1Schema = """
                CREATE TABLE play (
                    id INTEGER PRIMARY KEY,
                    display TEXT NOT NULL,
                    zone TEXT NOT NULL,
                    playlist TEXT NOT NULL,
                    item TEXT NOT NULL,
                    start_ms INTEGER NOT NULL,
                    end_ms INTEGER NOT NULL,
                    CHECK (end_ms >= start_ms)
                );
                -- Overlap queries bound end_ms from below (end_ms > from): recent reports and
                -- retention deletes scan only the rows they need.
                CREATE INDEX play_end ON play (end_ms);
                CREATE INDEX play_display_end ON play (display, end_ms);
                """

    /// Each migration runs once per database, in order; never edit one that has shipped, add the next.
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: play") { db in
            try db.execute(sql: version1Schema)
        }
        // Temperature-check kiosks keep only how many visitors of each class an hour saw: no
        // column for a reading, a finer time or anything about a person (docs/sensors.md,
        // "Privacy"); a test checks the columns. Some thousands of rows a year
        // per sensor, so the primary key is the only index needed.
        migrator.registerMigration("v2: screening") { db in
            try db.execute(sql: """
                CREATE TABLE screening (
                    sensor TEXT NOT NULL,
                    hour_ms INTEGER NOT NULL,
                    class TEXT NOT NULL,
                    count INTEGER NOT NULL,
                    PRIMARY KEY (sensor, hour_ms, class)
                ) WITHOUT ROWID;
                """)
        }
        // Emergency messages exactly as received (the signed bytes), so a restart replays them;
        // the audit of every push, accepted or not; and signatures seen, against replays.
        migrator.registerMigration("v3: alerts") { db in
            try db.execute(sql: """
                CREATE TABLE alert_message (
                    sender TEXT NOT NULL,
                    identifier TEXT NOT NULL,
                    sent TEXT NOT NULL,
                    received_ms INTEGER NOT NULL,
                    key_id TEXT,
                    body BLOB NOT NULL,
                    PRIMARY KEY (sender, identifier, sent)
                );
                CREATE INDEX alert_message_received ON alert_message (received_ms);
                CREATE TABLE alert_audit (
                    id INTEGER PRIMARY KEY,
                    time_ms INTEGER NOT NULL,
                    key_id TEXT,
                    source TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    identifier TEXT,
                    reason TEXT
                );
                CREATE INDEX alert_audit_time ON alert_audit (time_ms);
                CREATE TABLE alert_signature (
                    digest BLOB PRIMARY KEY,
                    expires_ms INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }()
}
