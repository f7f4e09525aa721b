import DjinitProbe
import FuzzDriver

/// The probe server's request parser, on any bytes a client could send: it must never crash, and
/// must decide at the limit at the latest.
runFuzzer { data, size in
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    for limit in [16, 4096] {
        let head = RequestHead(parsing: bytes, limit: limit)
        if bytes.count >= limit, head == .incomplete { fatalError("undecided at the limit") }
        if case .complete(let request) = head {
            precondition(request.path.hasPrefix("/"))
            _ = ProbeResponse.ok.serialized(headOnly: request.method == "HEAD")
        }
    }
    return 0
}
