/// A request the probe server accepted: its method and path, nothing else.
///
/// The probe server reads no header and no body: a probe is a GET of a fixed path, and what is
/// not read cannot be exploited.
public struct ProbeRequest: Equatable, Sendable {
    /// `GET` or `HEAD` (the only ones answered with anything but 405).
    public let method: String
    /// The path, without the query string.
    public let path: String

    public init(method: String, path: String) {
        self.method = method
        self.path = path
    }
}

/// What parsing the bytes received so far on a connection gave.
public enum RequestHead: Equatable, Sendable {
    /// Not all of the head yet: read more.
    case incomplete
    /// The whole head, up to its empty line.
    case complete(ProbeRequest)
    /// Not HTTP: answer 400 and close.
    case malformed
    /// No end of the head within the size limit: answer 431 and close.
    case tooLarge
}

extension RequestHead {
    /// Parses the start of a request: the request line, then headers up to the empty line.
    ///
    /// It gives up early: random bytes are `malformed` as soon as the method cannot be one, so a
    /// client sending garbage is answered at once instead of holding a connection until its
    /// deadline.
    public init(parsing bytes: [UInt8], limit: Int) {
        guard let end = RequestHead.endOfHead(in: bytes) else {
            if bytes.count >= limit { self = .tooLarge; return }
            let method = bytes.prefix { $0 != UInt8(ascii: " ") }
            let isToken = method.allSatisfy { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
            self = isToken && method.count <= RequestHead.longestMethod ? .incomplete : .malformed
            return
        }
        guard end <= limit else { self = .tooLarge; return }
        let lineEnd = bytes.firstIndex(of: UInt8(ascii: "\n"))!
        var line = bytes[..<lineEnd]
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3,
              !parts[0].isEmpty, parts[0].count <= RequestHead.longestMethod,
              parts[0].allSatisfy({ $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }),
              parts[1].first == UInt8(ascii: "/"), parts[1].allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
              parts[2].elementsEqual("HTTP/1.1".utf8) || parts[2].elementsEqual("HTTP/1.0".utf8)
        else {
            self = .malformed
            return
        }
        let path = parts[1].prefix { $0 != UInt8(ascii: "?") }
        self = .complete(ProbeRequest(method: String(decoding: parts[0], as: UTF8.self),
                                      path: String(decoding: path, as: UTF8.self)))
    }

    /// The longest method name worth waiting for (`OPTIONS`, `CONNECT`, with room to spare).
    static let longestMethod = 16

    /// The index just past the empty line that ends the head (`\r\n\r\n`, or bare `\n\n` as
    /// lenient servers accept), or nil.
    private static func endOfHead(in bytes: [UInt8]) -> Int? {
        var index = 0
        while let newline = bytes[index...].firstIndex(of: UInt8(ascii: "\n")) {
            let next = newline + 1
            if next < bytes.count && bytes[next] == UInt8(ascii: "\n") { return next + 1 }
            if next + 1 < bytes.count && bytes[next] == UInt8(ascii: "\r") && bytes[next + 1] == UInt8(ascii: "\n") {
                return next + 2
            }
            index = next
        }
        return nil
    }
}

/// A complete probe response: a status and a short plain-text body.
public struct ProbeResponse: Equatable, Sendable {
    public let status: Int
    public let body: String
    public let contentType: String
    /// Extra header lines, without their line ends, such as `Allow: GET, HEAD`.
    public let extraHeaders: [String]

    public init(status: Int, body: String, contentType: String = "text/plain; charset=utf-8",
                extraHeaders: [String] = []) {
        self.status = status
        self.body = body
        self.contentType = contentType
        self.extraHeaders = extraHeaders
    }

    /// The response on the wire. A HEAD response has the same headers and no body. Every
    /// response closes the connection: probes are one request each, and keeping connections
    /// open would only let idle clients hold slots.
    public func serialized(headOnly: Bool = false) -> [UInt8] {
        let body = Array(body.utf8)
        var head = "HTTP/1.1 \(status) \(ProbeResponse.reason(for: status))\r\n"
            + "Content-Type: \(contentType)\r\n"
            + "Content-Length: \(body.count)\r\n"
            + "Cache-Control: no-store\r\n"
            + "Connection: close\r\n"
        for header in extraHeaders { head += header + "\r\n" }
        head += "\r\n"
        return Array(head.utf8) + (headOnly ? [] : body)
    }

    static func reason(for status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 431: "Request Header Fields Too Large"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

extension ProbeResponse {
    /// `200 ok`: the check passed.
    public static let ok = ProbeResponse(status: 200, body: "ok\n")

    /// `503` with a one-line reason, which kubelet events and `kubectl describe` show.
    public static func unavailable(_ reason: String) -> ProbeResponse {
        ProbeResponse(status: 503, body: reason + "\n")
    }
}
