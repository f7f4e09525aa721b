import Yams
import DjinitSettings
import DjinitText

/// A rule for a string value: what it must look like, in words for errors and as a regular
/// expression for the JSON Schema.
public struct TextRule: Sendable {
    /// What is allowed, finishing "expected ...", e.g. `a DNS label`.
    public let summary: String
    /// The same rule as an ECMA-262 regular expression, for editors; nil when any text goes.
    public let pattern: String?
    /// The longest allowed text, if limited.
    public let maxLength: Int?
    let accepts: @Sendable (String) -> Bool

    public init(_ summary: String, pattern: String? = nil, maxLength: Int? = nil, accepts: @escaping @Sendable (String) -> Bool) {
        self.summary = summary
        self.pattern = pattern
        self.maxLength = maxLength
        self.accepts = accepts
    }
}

/// What a value in `app.yaml` or `platform.yaml` may be.
///
/// Both the strict reader and `djinit-kube schema` derive from one `Shape`, so the JSON Schema an
/// editor checks against is exactly what `render` accepts, and an unknown key is an error in both.
public indirect enum Shape: Sendable {
    /// A string.
    case text(TextRule)
    /// One of a few fixed words.
    case choice([String])
    /// An integer in a range.
    case integer(ClosedRange<Int>)
    case boolean
    /// A Kubernetes quantity such as `500m`, `2` or `512Mi`: a string, or an integer.
    case quantity(QuantityKind)
    /// A sequence of a bounded length: every list is bounded, since each item becomes part of an
    /// object, and the Kubernetes API (or a CRD) caps many of them.
    case list(Shape, count: ClosedRange<Int>)
    /// A mapping with a fixed set of keys.
    case object([Field])
    /// A mapping with free keys that follow `key`, each value a `value`.
    case dictionary(key: TextRule, value: Shape)
    /// Environment variables: names to text. djinit's own names (`DJINIT_*`, and the ecosystem's it
    /// reads) must be djinit settings with values of their kind; the plan checks them as djinit
    /// does, and the JSON Schema describes each.
    case environment
}

/// One key of an object.
public struct Field: Sendable {
    public let name: String
    public let shape: Shape
    public let isRequired: Bool
    /// The value a missing key has: declared here once, for the reader, the JSON Schema, and the
    /// complete values `djinit-kube values` writes for the Helm chart.
    public let defaultValue: Tree?
    /// One line for the JSON Schema's `description` and for the examples.
    public let summary: String

    public init(_ name: String, _ shape: Shape, required: Bool = false, default defaultValue: Tree? = nil, _ summary: String) {
        self.name = name
        self.shape = shape
        self.isRequired = required
        self.defaultValue = defaultValue
        self.summary = summary
    }
}

/// Keys people reach for to loosen a pod's security; named in the error so that it explains why
/// they are refused instead of only listing what is allowed.
private let podSecurityKeys: Set<String> = [
    "hostPath", "privileged", "hostNetwork", "hostPID", "hostIPC", "capabilities", "securityContext",
    "allowPrivilegeEscalation", "runAsUser", "runAsNonRoot", "volumes", "volumeMounts", "command",
    "env", "initContainers", "containers", "serviceAccountName", "nodeName", "hostPort",
]

// MARK: - Reading

/// A YAML node that has passed its `Shape`: typed accessors that cannot fail, with positions, and
/// the shape's defaults for keys the file leaves out.
struct Checked {
    let node: Node
    let position: Position
    let shape: Shape

    /// The value of `key`: as written, else its field's default, else nil.
    subscript(key: String) -> Checked? {
        guard case .object(let fields) = shape, let field = fields.first(where: { $0.name == key }) else { return nil }
        if case .mapping(let mapping) = node, let pair = mapping.first(where: { $0.key.string == key }) {
            return Checked(node: pair.value, position: position.child(key, at: pair.value), shape: field.shape)
        }
        return field.defaultValue.map { value in
            Checked(node: value.node, position: position.withPath(position.path.isEmpty ? key : position.path + "." + key),
                    shape: field.shape)
        }
    }

    var string: String { node.string ?? "" }
    var int: Int { node.int ?? 0 }
    var bool: Bool { node.bool ?? false }

    /// A quantity as written: `2` and `"2"` alike.
    var quantityText: String { node.scalar?.string ?? "" }

    var items: [Checked] {
        guard case .sequence(let sequence) = node, case .list(let item, _) = shape else { return [] }
        return sequence.enumerated().map { index, element in
            Checked(node: element, position: position.item(index, at: element), shape: item)
        }
    }

    /// The entries of a dictionary, in file order.
    var entries: [(key: String, value: Checked)] {
        guard case .mapping(let mapping) = node else { return [] }
        let value: Shape
        switch shape {
        case .dictionary(_, let shape): value = shape
        case .environment: value = .text(Rules.anyText)
        default: return []
        }
        return mapping.map { pair in
            let key = pair.key.string ?? ""
            return (key, Checked(node: pair.value, position: position.child(key, at: pair.value), shape: value))
        }
    }

    /// The value as a tree, every default filled in, quantities as text: what `djinit-kube
    /// values` writes for the Helm chart.
    var completed: Tree {
        switch shape {
        case .object(let fields): .map(fields.compactMap { field in self[field.name].map { Tree.Entry(field.name, $0.completed) } })
        case .dictionary, .environment: .map(entries.map { Tree.Entry($0.key, $0.value.completed) })
        case .list: .list(items.map(\.completed))
        case .text, .choice: .string(string)
        case .integer: .int(int)
        case .boolean: .bool(bool)
        case .quantity: .string(quantityText)
        }
    }

    var strings: [String] { items.map(\.string) }

    func located<Value>(_ value: Value) -> Located<Value> { Located(value, at: position) }
}

extension Position {
    func child(_ key: String, at node: Node) -> Position {
        Position(file: file, line: node.mark?.line ?? line, column: node.mark?.column ?? column,
                 path: path.isEmpty ? key : path + "." + key)
    }

    func item(_ index: Int, at node: Node) -> Position {
        Position(file: file, line: node.mark?.line ?? line, column: node.mark?.column ?? column,
                 path: path + "[\(index)]")
    }
}

extension Shape {
    /// Parses `text` and checks it against this shape.
    /// - Throws: `InputError` with every problem found, each naming file, line and key.
    ///
    /// The work is bounded whatever the file holds: at most `maxInputBytes` are read, libyaml
    /// limits nesting, anchors and aliases are refused before anything is expanded (an alias
    /// repeats its anchor's whole value, so a small file could make a huge one), and at most
    /// `maxProblems` problems are listed.
    func read(_ text: String, file: String) throws(InputError) -> Checked {
        let start = Position(file: file, line: 1, column: 1, path: "")
        guard text.utf8.count <= Shape.maxInputBytes else {
            throw InputError([InputProblem(start, "the file is \(text.utf8.count) bytes; at most \(Shape.maxInputBytes) are read")])
        }
        if let problem = YAMLPreflight.problem(in: text, file: file) { throw InputError([problem]) }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw InputError([Shape.problem(from: error, file: file)])
        } catch {
            throw InputError([InputProblem(start, "not valid YAML")])
        }
        guard let root else {
            throw InputError([InputProblem(start, "the file is empty; expected \(summary)")])
        }
        var problems: [InputProblem] = []
        check(root, at: start.child("", at: root).withPath(""), into: &problems)
        guard problems.isEmpty else {
            guard problems.count > Shape.maxProblems else { throw InputError(problems) }
            let shown = Array(problems.prefix(Shape.maxProblems))
            throw InputError(shown + [InputProblem(start, "and \(problems.count - shown.count) more problems; fix these first")])
        }
        return Checked(node: root, position: start, shape: self)
    }

    /// The largest file read: app.yaml ends up in a ConfigMap and pod templates, which Kubernetes
    /// limits to 1 MiB each.
    static let maxInputBytes = 1 << 20

    /// The most problems listed for one file.
    static let maxProblems = 50

    private static func problem(from error: YamlError, file: String) -> InputProblem {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return InputProblem(Position(file: file, line: mark.line, column: mark.column, path: ""),
                                "not valid YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return InputProblem(Position(file: file, line: context.mark.line, column: context.mark.column, path: ""),
                                "duplicate key \(duplicates.joined(separator: ", ")): each key may appear once")
        case .reader(let problem, let offset, _, _):
            return InputProblem(Position(file: file, line: 1, column: 1, path: ""),
                                "not valid YAML: \(problem)" + (offset.map { " at byte \($0)" } ?? ""))
        default:
            // Other errors' descriptions quote the whole input.
            return InputProblem(Position(file: file, line: 1, column: 1, path: ""), "not valid YAML")
        }
    }

    /// What values of this shape look like, finishing "expected ...".
    var summary: String {
        switch self {
        case .text(let rule): rule.summary
        case .choice(let words): "one of " + words.joined(separator: ", ")
        case .integer(let range): "an integer from \(range.lowerBound) to \(range.upperBound)"
        case .boolean: "true or false"
        case .quantity(let kind): kind.summary
        case .list(let item, let count):
            "a list of \(count.lowerBound) to \(count.upperBound) items (each \(item.summary))"
        case .object(let fields): "a mapping with the keys " + fields.map(\.name).joined(separator: ", ")
        case .dictionary(let key, let value): "a mapping from \(key.summary) to \(value.summary)"
        case .environment: "a mapping from environment variable names to text"
        }
    }

    private func check(_ node: Node, at position: Position, into problems: inout [InputProblem]) {
        func fail(_ message: String) { problems.append(InputProblem(position, message)) }
        switch self {
        case .text(let rule):
            guard let text = Shape.string(node) else { return fail("expected \(rule.summary), got \(Shape.describe(node))") }
            if let (offset, scalar) = Shape.firstUnprintable(in: text) {
                let code = String(scalar.value, radix: 16, uppercase: true)
                fail("U+\(String(repeating: "0", count: max(0, 4 - code.count)) + code) at character \(offset + 1) is a control "
                    + "or format character, which no text here may hold (line breaks may)")
            } else if let maxLength = rule.maxLength, text.count > maxLength {
                fail("expected \(rule.summary) of at most \(maxLength) characters, got \(text.count)")
            } else if !rule.accepts(text) {
                fail("expected \(rule.summary), got \(Escaping.quotedValue(text))")
            }
        case .choice(let words):
            guard let text = Shape.string(node), words.contains(text) else {
                return fail("expected \(summary), got \(Shape.describe(node))")
            }
        case .integer(let range):
            guard Shape.tagName(node) == .int, let number = node.int else {
                return fail("expected \(summary), got \(Shape.describe(node))")
            }
            if !range.contains(number) { fail("expected \(summary), got \(number)") }
        case .boolean:
            guard Shape.tagName(node) == .bool, node.bool != nil else { return fail("expected true or false, got \(Shape.describe(node))") }
        case .quantity(let kind):
            guard case .scalar(let scalar) = node, Shape.tagName(node) == .str || Shape.tagName(node) == .int,
                  let quantity = Quantity(scalar.string, kind: kind) else {
                return fail("expected \(kind.summary), got \(Shape.describe(node))")
            }
            // Zero is never meant: a zero limit is a container that cannot run, a zero volume one
            // that cannot be made.
            if quantity.milliUnits == 0 { fail("expected \(kind.summary), more than zero, got \(Shape.describe(node))") }
        case .list(let item, let count):
            guard case .sequence(let sequence) = node else { return fail("expected \(summary), got \(Shape.describe(node))") }
            if !count.contains(sequence.count) {
                fail("expected \(count.lowerBound) to \(count.upperBound) items, got \(sequence.count)")
            }
            for (index, element) in sequence.enumerated() {
                item.check(element, at: position.item(index, at: element), into: &problems)
            }
        case .object(let fields):
            guard case .mapping(let mapping) = node else { return fail("expected \(summary), got \(Shape.describe(node))") }
            for pair in mapping {
                guard let key = Shape.string(pair.key) else {
                    problems.append(InputProblem(position.child("?", at: pair.key), "keys must be text"))
                    continue
                }
                guard let field = fields.first(where: { $0.name == key }) else {
                    let allowed = "allowed here: " + fields.map(\.name).joined(separator: ", ")
                    let why = podSecurityKeys.contains(key)
                        ? "not allowed: djinit-kube sets pod security, volumes and commands itself (Pod Security 'restricted'); "
                        : "unknown key; "
                    problems.append(InputProblem(position.child(key, at: pair.key), why + allowed))
                    continue
                }
                field.shape.check(pair.value, at: position.child(key, at: pair.value), into: &problems)
            }
            for field in fields where field.isRequired && mapping[field.name] == nil {
                let path = position.path.isEmpty ? field.name : position.path + "." + field.name
                problems.append(InputProblem(position.withPath(path),
                                             "missing required key '\(field.name)': \(field.summary)"))
            }
        case .environment:
            Shape.dictionary(key: Rules.variableName, value: .text(Rules.anyText)).check(node, at: position, into: &problems)
        case .dictionary(let keyRule, let value):
            guard case .mapping(let mapping) = node else { return fail("expected \(summary), got \(Shape.describe(node))") }
            for pair in mapping {
                let key = Shape.string(pair.key) ?? ""
                let keyPosition = position.child(key, at: pair.key)
                if !keyRule.accepts(key) {
                    problems.append(InputProblem(keyPosition, "expected the key to be \(keyRule.summary)"))
                }
                value.check(pair.value, at: position.child(key, at: pair.value), into: &problems)
            }
        }
    }

    /// The first character of `text` that is neither printable (`Escaping.mustEscape`) nor a
    /// line break. The writers would escape it safely; it is refused so that every tool of the
    /// hoster's sees the same text: kustomize refuses a control character outright and cannot
    /// read back its own output for a line that starts with a tab, and libyaml drops a U+FEFF.
    private static func firstUnprintable(in text: String) -> (Int, Unicode.Scalar)? {
        text.unicodeScalars.enumerated().first { $0.element != "\n" && $0.element != "\r" && Escaping.mustEscape($0.element) }
            .map { ($0.offset, $0.element) }
    }

    /// The type the YAML reader resolved for `node`: `!!str`, `!!int`, `!!bool` and so on.
    private static func tagName(_ node: Node) -> Tag.Name {
        Tag.Name(rawValue: node.tag.rawValue)
    }

    /// The text of a scalar the YAML reader takes as a string (so `yes` and `8080` are not).
    private static func string(_ node: Node) -> String? {
        guard case .scalar(let scalar) = node, Shape.tagName(node) == .str else { return nil }
        return scalar.string
    }

    /// How a wrong value is described in an error: its YAML type, and the value if short.
    private static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            let kind = switch Shape.tagName(node) {
            case .int: "the integer"
            case .bool: "the boolean"
            case .float: "the number"
            case .null: "nothing"
            default: "the text"
            }
            if Shape.tagName(node) == .null { return "no value" }
            let hint = Shape.tagName(node) == .str ? "" : " (quote it to make it text)"
            return "\(kind) \(Escaping.quotedValue(scalar.string))" + hint
        }
    }
}

extension Position {
    func withPath(_ path: String) -> Position {
        Position(file: file, line: line, column: column, path: path)
    }
}

// MARK: - Defaults

extension Shape {
    /// Every default below this shape, by dotted key path (a list's items share their list's path).
    func defaults(under path: String = "") -> [Tree.Entry] {
        switch self {
        case .object(let fields):
            return fields.flatMap { field -> [Tree.Entry] in
                let key = path.isEmpty ? field.name : path + "." + field.name
                return (field.defaultValue.map { [Tree.Entry(key, $0)] } ?? []) + field.shape.defaults(under: key)
            }
        case .list(let item, _): return item.defaults(under: path)
        case .dictionary(_, let value): return value.defaults(under: path)
        case .text, .choice, .integer, .boolean, .quantity, .environment: return []
        }
    }
}

// MARK: - JSON Schema

extension Shape {
    /// This shape as a JSON Schema (draft 2020-12) document titled `title`.
    public func jsonSchema(title: String) -> Tree {
        var root: [Tree.Entry] = [
            Tree.Entry("$schema", "https://json-schema.org/draft/2020-12/schema"),
            Tree.Entry("title", .string(title)),
        ]
        if case .map(let entries) = schemaTree() { root += entries }
        return .map(root)
    }

    /// The schema of one value; `description` is the documentation of the key that holds it.
    /// With `completed`, a key with a default is required: the values are complete
    /// (`Checked.completed`).
    func schemaTree(description: String? = nil, completed: Bool = false) -> Tree {
        let described: Tree? = description.map { .string($0 + " Expected: \(summary).") }
        switch self {
        case .text(let rule):
            return ["type": "string", "pattern": rule.pattern.map(Tree.string),
                    "maxLength": rule.maxLength.map(Tree.int), "description": described]
        case .choice(let words):
            return ["type": "string", "enum": .list(words.map(Tree.string)), "description": described]
        case .integer(let range):
            return ["type": "integer", "minimum": .int(range.lowerBound), "maximum": .int(range.upperBound),
                    "description": described]
        case .boolean:
            return ["type": "boolean", "description": described]
        case .quantity(let kind):
            return ["type": ["string", "integer"], "pattern": .string(kind.pattern), "description": described]
        case .list(let item, let count):
            return ["type": "array", "items": item.schemaTree(completed: completed),
                    "minItems": count.lowerBound > 0 ? .int(count.lowerBound) : nil, "maxItems": .int(count.upperBound),
                    "description": description.map(Tree.string)]
        case .object(let fields):
            let properties = fields.map { field in
                Tree.Entry(field.name, field.shape.schemaTree(description: field.summary, completed: completed).adding(
                    field.defaultValue.map { [Tree.Entry("default", $0)] } ?? []))
            }
            let required = fields.filter { $0.isRequired || (completed && $0.defaultValue != nil) }.map { Tree.string($0.name) }
            return ["type": "object", "additionalProperties": false, "properties": .map(properties),
                    "required": required.isEmpty ? nil : .list(required), "description": description.map(Tree.string)]
        case .dictionary(let key, let value):
            return ["type": "object", "propertyNames": ["pattern": key.pattern.map(Tree.string)],
                    "additionalProperties": value.schemaTree(completed: completed), "description": described]
        case .environment:
            // Each of djinit's settings with the form of its values; any other name of djinit's own
            // is refused, like a misspelt one at start-up.
            let settings = Schema.all.map { setting in
                Tree.Entry(setting.name, [
                    "type": "string", "pattern": setting.pattern.isEmpty ? nil : .string(setting.pattern),
                    "description": .string(setting.summary),
                ])
            }
            return [
                "type": "object",
                "properties": .map(settings),
                "propertyNames": [
                    "pattern": .string(Rules.variableName.pattern ?? ""),
                    "anyOf": [["not": ["pattern": .string("^" + Schema.ownPrefix)]],
                              ["enum": .list(Schema.all.map { Tree.string($0.name) })]],
                ],
                "additionalProperties": Shape.text(Rules.anyText).schemaTree(),
                "description": described,
            ]
        }
    }
}
