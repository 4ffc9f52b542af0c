import Foundation

/// What a key holds, as far as the environment and the docs care.
enum KeyKind: Equatable {
    case string, bool, duration, stringList, stringTable, integerTable
    case integer(ClosedRange<Int>)
    case choice([String])
    /// A table of keys (`components[].probes`) or a list of tables (`[[monitor.patterns]]`).
    case table, tables

    /// The docs' type column when a key gives no `format` of its own.
    var docText: String {
        switch self {
        case .string: return "string"
        case .bool: return "bool"
        case .duration: return "duration"
        case .stringList: return "list of strings"
        case .stringTable: return "table of strings"
        case .integerTable: return "table of integers"
        case .integer(let range):
            if range.upperBound == Int.max {
                return range.lowerBound == 0 ? "integer" : "integer ≥ \(range.lowerBound)"
            }
            return "integer \(range.lowerBound)–\(range.upperBound)"
        case .choice(let values): return values.map { "`\($0)`" }.joined(separator: " \\| ")
        case .table: return "table"
        case .tables: return "list of tables"
        }
    }
}

/// How one value type is read from TOML, printed back and shown in the docs.
struct ValueType<Value> {
    var kind: KeyKind
    /// nil when the key is absent or its value is wrong (the reader has reported why).
    var read: (SectionReader, String, DecodeContext) -> Value?
    /// The TOML literal `config show` (or the installed config, `.install`) prints.
    var literal: (Value, ConfigPrinter.Purpose) -> String
    /// A default as the docs show it, without TOML quotes: `5min`, not `"5min"`.
    var docText: (Value) -> String
}

/// A problem with a key's value found by its own check: `suffix` extends the key (`[2]`).
struct KeyProblem {
    var suffix = ""
    var message: String
}

/// A key's default: a constant, derived from keys decoded before it, or none (the key is required).
enum KeyDefault<Model, Value> {
    case value(Value)
    case derived(doc: String, (Model, DecodeContext) -> Value)
    /// Missing is an error; `placeholder` stands in so decoding can go on and report more.
    case required(placeholder: (DecodeContext) -> Value)
}

/// Shared state while one config is decoded: where relative paths resolve, and what is known so far.
final class DecodeContext {
    let configDirectory: String
    /// The sections decoded so far; later defaults may depend on them (`backup.dir` on `project.name`).
    var deployment: Deployment
    /// The element index while an array of tables is decoded.
    var index = 0

    init(deployment: Deployment) {
        self.deployment = deployment
        configDirectory = deployment.configDirectory
    }

    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: configDirectory).appendingPathComponent(path).standardized.path
    }
}

/// A printed value: a TOML literal, a table, or a list of tables (headers at the top level, inline below).
indirect enum PrintedValue {
    case literal(String)
    case table([(String, PrintedValue)])
    case tables([[(String, PrintedValue)]])
}

/// One generated key table of docs/configuration.md: `path` is its marker name (`monitor.patterns`).
struct DocTable: Equatable {
    var path: String
    var rows: [KeyDocRow]
}

/// One row of a generated key table in docs/configuration.md.
struct KeyDocRow: Equatable {
    var key: String
    var type: String
    var defaultText: String
    var meaning: String
}

/// One config key: its name, how it is decoded into `Model`, printed, overridden and documented.
///
/// Built by the factories below from a `WritableKeyPath`, so a key is declared once
/// (see `DeploymentSchema`) and every consumer — decoder, `TRADECTL_*` overrides,
/// `config show`, the installed config and the docs — follows from that declaration.
struct SchemaKey<Model> {
    var name: String
    var kind: KeyKind
    var secret = false
    var doc: KeyDocRow
    /// A nested table's or list of tables' own rows, given this key's full path.
    var subRows: (String) -> [KeyDocRow] = { _ in [] }
    /// Doc tables of lists of tables at or below this key, given its full path.
    var subTables: (String) -> [DocTable] = { _ in [] }
    /// The kinds of a nested table's keys, so `TRADECTL_<SECTION>_<KEY>` knows how to parse a value.
    var subKeys: [String: KeyKind] = [:]
    var read: (SectionReader, inout Model, DecodeContext) -> Void
    var write: (Model, ConfigPrinter.Purpose) -> PrintedValue?
}

extension SchemaKey {
    /// A key whose value goes to `path`, with a default, optional own checks and print rules.
    static func key<Value>(
        _ name: String, _ path: WritableKeyPath<Model, Value>, _ type: ValueType<Value>,
        default fallback: KeyDefault<Model, Value>, doc: String, format: String? = nil, defaultDoc: String? = nil,
        secret: Bool = false, omitWhen: ((Value) -> Bool)? = nil, printIf: ((Model) -> Bool)? = nil,
        check: ((Value, DecodeContext) -> [KeyProblem])? = nil
    ) -> SchemaKey {
        let shownDefault: String
        switch fallback {
        case .value(let value): shownDefault = defaultDoc ?? "`\(type.docText(value))`"
        case .derived(let text, _): shownDefault = defaultDoc ?? text
        case .required: shownDefault = defaultDoc ?? "required"
        }
        return SchemaKey(
            name: name, kind: type.kind, secret: secret,
            doc: KeyDocRow(
                key: name, type: docType(format ?? type.kind.docText, secret: secret), defaultText: shownDefault,
                meaning: doc),
            read: { reader, model, context in
                if case .required = fallback, !reader.require(name) {
                    if case .required(let placeholder) = fallback { model[keyPath: path] = placeholder(context) }
                    return
                }
                if let value = type.read(reader, name, context) {
                    model[keyPath: path] = value
                    for problem in check?(value, context) ?? [] {
                        reader.report(name, suffix: problem.suffix, problem.message)
                    }
                    return
                }
                switch fallback {
                case .value(let value): model[keyPath: path] = value
                case .derived(_, let derive): model[keyPath: path] = derive(model, context)
                case .required(let placeholder): model[keyPath: path] = placeholder(context)
                }
            },
            write: { model, purpose in
                let value = model[keyPath: path]
                if printIf?(model) == false || omitWhen?(value) == true { return nil }
                if secret { return purpose == .install ? nil : .literal(ConfigPrinter.q(Secrets.redacted)) }
                return .literal(type.literal(value, purpose))
            })
    }

    /// An optional key: absent means nil, and nil is not printed.
    static func optional<Value>(
        _ name: String, _ path: WritableKeyPath<Model, Value?>, _ type: ValueType<Value>, doc: String,
        format: String? = nil, defaultDoc: String = "none", secret: Bool = false, printIf: ((Model) -> Bool)? = nil,
        check: ((Value, DecodeContext) -> [KeyProblem])? = nil
    ) -> SchemaKey {
        let optionalType = ValueType<Value?>(
            kind: type.kind, read: { reader, key, context in type.read(reader, key, context).map { $0 } },
            literal: { value, purpose in value.map { type.literal($0, purpose) } ?? "" },
            docText: { value in value.map(type.docText) ?? "none" })
        return key(
            name, path, optionalType, default: .value(nil), doc: doc, format: format, defaultDoc: defaultDoc,
            secret: secret, omitWhen: { $0 == nil }, printIf: printIf,
            check: check.map { check in { value, context in value.map { check($0, context) } ?? [] } })
    }

    /// A nested table of keys (`probes` in a component), printed inline, left out when it has no entries.
    /// With `declared`, the table records whether the config has it, and is printed only then.
    static func table<Sub>(
        _ name: String, _ path: WritableKeyPath<Model, Sub>, _ section: SchemaSection<Sub>, doc: String,
        declared: WritableKeyPath<Sub, Bool>? = nil
    ) -> SchemaKey {
        SchemaKey(
            name: name, kind: .table, doc: KeyDocRow(key: name, type: "table", defaultText: "", meaning: doc),
            subRows: { path in section.docRows(path: path) }, subTables: { path in section.docTables(path: path) },
            subKeys: section.kinds,
            read: { reader, model, context in
                if let declared { model[keyPath: path][keyPath: declared] = reader.has(name) }
                section.decode(reader.table(name), into: &model[keyPath: path], context: context)
            },
            write: { model, purpose in
                if let declared, !model[keyPath: path][keyPath: declared] { return nil }
                return .table(section.entries(model[keyPath: path], purpose: purpose))
            })
    }

    /// A list of tables (`[[components]]`, `[[monitor.patterns]]`); each element starts as `blank`.
    static func tables<Element>(
        _ name: String, _ path: WritableKeyPath<Model, [Element]>, _ section: SchemaSection<Element>,
        blank: @escaping (Int) -> Element, required: String? = nil, doc: String
    ) -> SchemaKey {
        SchemaKey(
            name: name, kind: .tables,
            doc: KeyDocRow(key: name, type: "", defaultText: required == nil ? "`[]`" : "required", meaning: doc),
            subRows: { path in section.docRows(path: path) },
            subTables: { path in
                [DocTable(path: path, rows: section.docRows(path: path))] + section.deeperTables(path)
            },
            subKeys: section.kinds,
            read: { reader, model, context in
                let keyPath = reader.keyPath(name)
                guard let node = reader.node(name) else {
                    if let required { reader.report(name, required) }
                    return
                }
                guard case .array(let items) = node.value else {
                    reader.report(name, "must be written as [[\(keyPath)]] tables", at: node.origin)
                    return
                }
                var elements: [Element] = []
                for (index, item) in items.enumerated() {
                    context.index = index
                    var element = blank(index)
                    section.decode(reader.child("\(keyPath)[\(index)]", item), into: &element, context: context)
                    elements.append(element)
                }
                model[keyPath: path] = elements
            },
            write: { model, purpose in
                .tables(model[keyPath: path].map { section.entries($0, purpose: purpose) })
            })
    }

    private static func docType(_ text: String, secret: Bool) -> String { secret ? "\(text), **secret**" : text }
}

/// The keys of one table, in the order they are decoded, printed and documented.
struct SchemaSection<Model> {
    var keys: [SchemaKey<Model>]
    /// Hand-written checks across keys of this table (warn ≤ crit), run after its keys are read.
    var crossChecks: (Model, SectionReader) -> Void = { _, _ in }

    func decode(_ reader: SectionReader, into model: inout Model, context: DecodeContext) {
        for key in keys { key.read(reader, &model, context) }
        crossChecks(model, reader)
        reader.finish()
    }

    /// Printed keys in order; keys whose value is not printed are left out.
    func entries(_ model: Model, purpose: ConfigPrinter.Purpose) -> [(String, PrintedValue)] {
        keys.compactMap { key in key.write(model, purpose).map { (key.name, $0) } }
    }

    /// The doc rows of this table at `path`: a nested table's keys inline (`probes.http`).
    func docRows(path: String) -> [KeyDocRow] {
        keys.flatMap { key -> [KeyDocRow] in
            switch key.kind {
            case .table:
                return key.subRows("\(path).\(key.name)").map { row in
                    var row = row
                    row.key = "\(key.name).\(row.key)"
                    return row
                }
            case .tables:
                var row = key.doc
                row.type = "list of tables (`[[\(path).\(key.name)]]`)"
                return [row]
            default: return [key.doc]
            }
        }
    }

    /// This table's doc table and those of every list of tables below it.
    func docTables(path: String) -> [DocTable] {
        [DocTable(path: path, rows: docRows(path: path))] + deeperTables(path)
    }

    /// The doc tables of lists of tables below `path` (`monitor.patterns` below `monitor`).
    func deeperTables(_ path: String) -> [DocTable] {
        keys.flatMap { key -> [DocTable] in
            switch key.kind {
            case .table: return key.subTables("\(path).\(key.name)").dropFirst().map { $0 }
            case .tables: return key.subTables("\(path).\(key.name)")
            default: return []
            }
        }
    }

    var kinds: [String: KeyKind] {
        Dictionary(keys.map { ($0.name, $0.kind) }, uniquingKeysWith: { first, _ in first })
    }

    func key(_ name: String) -> SchemaKey<Model>? { keys.first { $0.name == name } }
}
