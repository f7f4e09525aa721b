import DjinitText

/// Where a value sits in an input file, for error messages: `app.yaml:12:5: web.replicas`.
public struct Position: Sendable, Equatable {
    /// The file as the user named it.
    public let file: String
    /// 1-based line and column.
    public let line: Int
    public let column: Int
    /// The dotted key path, e.g. `web.replicas` or `cronJobs[1].schedule`.
    public let path: String

    public init(file: String, line: Int, column: Int, path: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
    }

    /// `app.yaml:12:5`
    public var location: String { "\(file):\(line):\(column)" }
}

/// A value together with where it was written, so that a later check can point at it.
public struct Located<Value: Sendable>: Sendable {
    public let value: Value
    public let position: Position

    public init(_ value: Value, at position: Position) {
        self.value = value
        self.position = position
    }
}

extension Located: Equatable where Value: Equatable {}

/// One problem with an input: where, which key, and what is allowed instead.
public struct InputProblem: Sendable, Equatable, CustomStringConvertible {
    public let position: Position
    public let message: String

    public init(_ position: Position, _ message: String) {
        self.position = position
        self.message = message
    }

    /// `app.yaml:12:5: web.replicas: 12 is above the platform's maximum of 10 (platform.yaml:7:8)`,
    /// on one line whatever the key path and message hold (a key is the customer's own text).
    public var description: String {
        let key = position.path.isEmpty ? "" : position.path + ": "
        return Escaping.oneLine("\(position.location): \(key)\(message)")
    }
}

/// Every problem found in the inputs, reported together so one round of fixes suffices.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public let problems: [InputProblem]

    public init(_ problems: [InputProblem]) {
        self.problems = problems
    }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
