// libyaml itself, which Yams is built on: its event parser reads a file without building
// anything from it, so it can refuse what would be costly before Yams composes a node.
import CYaml

/// A pass over a file's YAML events before it is composed, that refuses in bounded time and memory
/// what would make composing or checking it unbounded:
/// - anchors and aliases: an alias stands for its anchor's whole value, so a small file of nested
///   aliases stands for an exponentially large one, and Yams hashes mapping keys whole;
/// - more than `maxEvents` events (scalars, and the starts and ends of lists and mappings).
/// libyaml already limits the nesting depth (to 1000).
enum YAMLPreflight {
    static let maxEvents = 200_000

    /// The first reason to refuse `text`, or nil. A file that is not valid YAML passes: Yams
    /// then reports it with its position.
    static func problem(in text: String, file: String) -> InputProblem? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            for _ in 0...maxEvents {
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                let position = Position(file: file, line: Int(event.start_mark.line) + 1,
                                        column: Int(event.start_mark.column) + 1, path: "")
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_ALIAS_EVENT:
                    return InputProblem(position, "YAML aliases are not supported here; write each value out")
                case YAML_SCALAR_EVENT where event.data.scalar.anchor != nil,
                     YAML_SEQUENCE_START_EVENT where event.data.sequence_start.anchor != nil,
                     YAML_MAPPING_START_EVENT where event.data.mapping_start.anchor != nil:
                    return InputProblem(position, "YAML anchors are not supported here; write each value out")
                default:
                    continue
                }
            }
            return InputProblem(Position(file: file, line: 1, column: 1, path: ""),
                                "more than \(maxEvents) values; the file is far larger than an app needs")
        }
    }
}
