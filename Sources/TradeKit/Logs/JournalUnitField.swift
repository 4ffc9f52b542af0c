/// Where journald names the unit an entry came from.
///
/// A system service's entries carry `_SYSTEMD_UNIT=<unit>`. A service of a user manager
/// started by logind (`user@UID.service`, every user-scope deployment on a booted host)
/// carries `_SYSTEMD_USER_UNIT=<unit>`, and its `_SYSTEMD_UNIT` is `user@UID.service`: a
/// match on `_SYSTEMD_UNIT` alone found none of its entries (`logs` printed nothing, the
/// monitor and `health` saw no errors). A user manager outside `user@.service` (the test
/// harness's) is named like a system one. Both fields are matched in either scope: unit names
/// are `<project>-<component>.service`, so a same-named unit of the other kind is not a
/// realistic collision, and one rule keeps every reader of the journal the same.
enum JournalUnitField {
    static let system = "_SYSTEMD_UNIT"
    static let user = "_SYSTEMD_USER_UNIT"

    /// Alternatives (for one `JournalFilter` group) matching an entry of any of `units`, each
    /// also required to match `also` (e.g. `PRIORITY=` values): one alternative per field,
    /// since sd-journal ORs matches of one field within a term and ANDs different fields.
    static func alternatives(_ units: [String], also: [String] = []) -> [[String]] {
        guard !units.isEmpty else { return [] }
        return [system, user].map { field in units.map { "\(field)=\($0)" } + also }
    }

    /// The unit an entry at `reader`'s position came from: the user unit when there is one
    /// (its `_SYSTEMD_UNIT` is the user manager's own).
    static func unit(of reader: JournalReader) -> String? {
        reader.field(user) ?? reader.field(system)
    }
}
