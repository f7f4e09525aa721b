import DjinitSettings

/// One key of an input file's object: its `Field` (name, shape, default, documentation) and the
/// Swift type its value reads as. A spec declares its keys once; the shape is built from their
/// fields and the spec reads its values through them, so no key name is typed twice and no value
/// is read with a cast the shape did not check.
struct Key<Value>: Sendable {
    let field: Field
    fileprivate let read: @Sendable (Checked) -> Value

    init(_ field: Field, read: @escaping @Sendable (Checked) -> Value) {
        self.field = field
        self.read = read
    }
}

extension Key where Value == String {
    static func text(_ name: String, _ rule: TextRule, required: Bool = false, default value: Tree? = nil,
                     _ summary: String) -> Key {
        Key(Field(name, .text(rule), required: required, default: value, summary)) { $0.string }
    }
}

extension Key where Value == Int {
    static func integer(_ name: String, _ range: ClosedRange<Int>, required: Bool = false, default value: Tree? = nil,
                        _ summary: String) -> Key {
        Key(Field(name, .integer(range), required: required, default: value, summary)) { $0.int }
    }
}

extension Key where Value == Bool {
    static func boolean(_ name: String, default value: Tree? = nil, _ summary: String) -> Key {
        Key(Field(name, .boolean, default: value, summary)) { $0.bool }
    }
}

extension Key where Value == Quantity {
    static func quantity(_ name: String, _ kind: QuantityKind, required: Bool = false, _ summary: String) -> Key {
        // The shape accepted only what parses as this kind of quantity.
        Key(Field(name, .quantity(kind), required: required, summary)) { Quantity($0.quantityText, kind: kind)! }
    }
}

extension Key where Value == Checked {
    /// A mapping with the keys `fields`, read through their own `Key`s.
    static func object(_ name: String, _ fields: [Field], required: Bool = false, default value: Tree? = nil,
                       _ summary: String) -> Key {
        Key(Field(name, .object(fields), required: required, default: value, summary)) { $0 }
    }
}

extension Key where Value == [String] {
    static func texts(_ name: String, _ rule: TextRule, count: ClosedRange<Int>, default value: Tree? = nil,
                      _ summary: String) -> Key {
        Key(Field(name, .list(.text(rule), count: count), default: value, summary)) { $0.strings }
    }
}

extension Key where Value == [Checked] {
    static func list(_ name: String, of item: Shape, count: ClosedRange<Int>, required: Bool = false,
                     default value: Tree? = nil, _ summary: String) -> Key {
        Key(Field(name, .list(item, count: count), required: required, default: value, summary)) { $0.items }
    }
}

extension Key where Value == [(key: String, value: Checked)] {
    static func dictionary(_ name: String, key: TextRule, value: Shape, required: Bool = false, _ summary: String) -> Key {
        Key(Field(name, .dictionary(key: key, value: value), required: required, summary)) { $0.entries }
    }

    /// Environment variables, checked as djinit checks its own (`Shape.environment`).
    static func environment(_ name: String, _ summary: String) -> Key {
        Key(Field(name, .environment, summary)) { $0.entries }
    }
}

extension Key where Value: RawRepresentable & CaseIterable & Sendable, Value.RawValue == String {
    /// One of an enumeration's raw values.
    static func choice(_ name: String, required: Bool = false, default value: Value? = nil, _ summary: String) -> Key {
        // The shape accepted only the raw values.
        Key(Field(name, .choice(Value.allCases.map(\.rawValue)), required: required, default: value.map { .string($0.rawValue) },
                  summary)) {
            Value(rawValue: $0.string)!
        }
    }
}

extension Key {
    /// A text that `parse` turns into a value, for text rules that already accepted exactly what
    /// it parses (an image reference, a release).
    static func parsed(_ name: String, _ rule: TextRule, required: Bool = false, default value: Tree? = nil,
                       _ summary: String, _ parse: @escaping @Sendable (String) -> Value?) -> Key {
        Key(Field(name, .text(rule), required: required, default: value, summary)) { checked in
            guard let value = parse(checked.string) else {
                preconditionFailure("\(name): the text rule accepted what the parser refuses")
            }
            return value
        }
    }
}

extension Checked {
    /// The value of `key`: as written, else its default, else nil.
    subscript<Value>(key: Key<Value>) -> Value? {
        self[key.field.name].map(key.read)
    }

    /// Whether the file writes `key` itself, rather than leaving it to its default.
    func writes<Value>(_ key: Key<Value>) -> Bool {
        guard case .mapping(let mapping) = node else { return false }
        return mapping.contains { $0.key.string == key.field.name }
    }

    /// The value of a key that is required or has a default, which the shape has made sure of.
    func value<Value>(of key: Key<Value>) -> Value {
        guard let value = self[key] else { preconditionFailure("\(key.field.name) is required or defaulted: the shape checked it") }
        return value
    }

    /// The value of `key` with where it is written, or nil.
    func located<Value: Sendable>(_ key: Key<Value>) -> Located<Value>? {
        self[key.field.name].map { Located(key.read($0), at: $0.position) }
    }

    /// The value of a required or defaulted key with where it is written.
    func locatedValue<Value: Sendable>(of key: Key<Value>) -> Located<Value> {
        guard let value = located(key) else { preconditionFailure("\(key.field.name) is required or defaulted: the shape checked it") }
        return value
    }
}
