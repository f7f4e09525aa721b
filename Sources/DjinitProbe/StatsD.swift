import DjinitEventLoop
import DjinitLogging
import DjinitPosix

/// One statsD metric line, such as `gunicorn.request.duration:12.5|ms` or
/// `gunicorn.requests:1|c|@1.0`.
public struct StatsDMetric: Equatable, Sendable {
    public enum Kind: String, Sendable {
        case counter = "c"
        case gauge = "g"
        case timer = "ms"
        case histogram = "h"
    }

    public let name: String
    public let value: Double
    public let kind: Kind
    /// The fraction of events sent (`@0.1`): a counter's increment stands for `1 / sampleRate`.
    public let sampleRate: Double

    /// The longest name accepted: gunicorn's are a few dozen bytes.
    public static let nameLimit = 200

    /// Parses one line; nil for anything that is not exactly a statsD metric: a name of printable
    /// ASCII without `:` or `|`, a finite number, a known type, and at most a sample rate in (0, 1]
    /// and DogStatsD tags after it.
    ///
    /// One scan of the bytes, and no text but the name built: it runs for every request gunicorn
    /// serves.
    public init?(_ line: ArraySlice<UInt8>) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
              colon - line.startIndex <= StatsDMetric.nameLimit,
              line[..<colon].allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "|") }) else { return nil }
        // value|type[|@rate][|#tags]
        var fields = StatsDMetric.Fields(line[(colon + 1)...])
        guard let valueBytes = fields.next(), let value = StatsDMetric.number(valueBytes), value.isFinite,
              let kindBytes = fields.next(), let kind = Kind(kindBytes) else { return nil }
        var sampleRate = 1.0
        var extras = 0
        while let extra = fields.next() {
            extras += 1
            guard extras <= 2 else { return nil }
            if extra.first == UInt8(ascii: "@"), sampleRate == 1.0, let rate = StatsDMetric.number(extra.dropFirst()),
               rate > 0, rate <= 1 {
                sampleRate = rate
            } else if extra.first != UInt8(ascii: "#") {
                return nil
            }
        }
        name = String(decoding: line[..<colon], as: UTF8.self)
        self.value = value
        self.kind = kind
        self.sampleRate = sampleRate
    }

    /// The `|`-separated fields after the name, empty ones included.
    private struct Fields {
        private var rest: ArraySlice<UInt8>?

        init(_ text: ArraySlice<UInt8>) { rest = text }

        mutating func next() -> ArraySlice<UInt8>? {
            guard let text = rest else { return nil }
            guard let bar = text.firstIndex(of: UInt8(ascii: "|")) else {
                rest = nil
                return text
            }
            rest = text[(bar + 1)...]
            return text[..<bar]
        }
    }

    /// A decimal number as statsD clients write it (`12`, `-3`, `12.345`, `1e3`), at most 32 bytes.
    private static func number(_ bytes: ArraySlice<UInt8>) -> Double? {
        guard !bytes.isEmpty, bytes.count <= 32,
              bytes.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".")
                  || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") })
        else { return nil }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    /// The metrics of one datagram: one per line; nil if any line is not a metric, so that a
    /// datagram counts as good or bad as a whole.
    public static func parse(datagram: ArraySlice<UInt8>) -> [StatsDMetric]? {
        var metrics: [StatsDMetric] = []
        var rest = datagram
        while !rest.isEmpty {
            let end = rest.firstIndex(of: UInt8(ascii: "\n")) ?? rest.endIndex
            if end > rest.startIndex {
                guard let metric = StatsDMetric(rest[..<end]) else { return nil }
                metrics.append(metric)
            }
            rest = end == rest.endIndex ? [] : rest[(end + 1)...]
        }
        return metrics.isEmpty ? nil : metrics
    }
}

extension StatsDMetric.Kind {
    /// The type field's bytes: `c`, `g`, `ms` or `h`.
    init?(_ bytes: ArraySlice<UInt8>) {
        switch (bytes.count, bytes.first) {
        case (1, UInt8(ascii: "c")): self = .counter
        case (1, UInt8(ascii: "g")): self = .gauge
        case (1, UInt8(ascii: "h")): self = .histogram
        case (2, UInt8(ascii: "m")) where bytes.last == UInt8(ascii: "s"): self = .timer
        default: return nil
        }
    }
}

/// A statsD server on loopback, on djinit's event loop: it reads the datagrams another process
/// sends (gunicorn's, through `--statsd-host`), hands each metric on, and counts what it dropped.
///
/// It never blocks and never lets a flood hold the loop: each turn reads at most `batch`
/// datagrams, and the rest wait in the socket's buffer for the next turn (or overflow it, which
/// the kernel counts: `kernelDrops`). Datagrams that are not statsD, or are longer than
/// `datagramLimit`, are counted and dropped.
///
/// gunicorn sends three datagrams per request, each on its own. Woken for each, djinit would pay a
/// context switch and a poll per datagram, several times what reading one costs (bench/metrics.sh
/// measured it). So once the socket is empty, the receiver stops watching it for `gatherDelay`,
/// and reads what gathered meanwhile in one go: at most 1 / `gatherDelay` wake-ups a second,
/// whatever the request rate.
public final class StatsDReceiver {
    /// What became of the datagrams received so far.
    public struct Statistics: Sendable {
        public var accepted = 0
        public var malformed = 0
    }

    /// Whether the loop wakes for the next datagram.
    private enum State {
        /// Watching the socket: a datagram wakes the loop.
        case watching
        /// Not watching until the timer fires: datagrams gather in the socket's buffer.
        case gathering(EventLoop.TimerID)
        case closed
    }

    /// A datagram longer than this is no statsD line of gunicorn's (they are under 100 bytes).
    public static let datagramLimit = 1024
    /// Datagrams read per loop turn at most.
    static let batch = 256
    /// How long datagrams gather before they are read. A datagram takes about 830 bytes of the
    /// socket's buffer, which holds about 500 where the kernel caps it by default
    /// (net.core.rmem_max): enough for 100,000 a second, far above what gunicorn sends.
    static let gatherDelay: Duration = .milliseconds(5)

    /// The loopback port to send to.
    public let port: UInt16
    public private(set) var statistics = Statistics()
    private let loop: EventLoop
    private let fd: Int32
    private var state = State.watching
    /// Kept while the receiver listens, dropped by `close()` (`EventLoop` on who keeps a
    /// callback's object alive).
    private var handler: ((StatsDMetric) -> Void)?
    private var buffer = [UInt8](repeating: 0, count: StatsDReceiver.datagramLimit + 1)

    /// Binds a port of the kernel's choosing on 127.0.0.1 and starts reading on `loop`.
    public init(loop: EventLoop, handler: @escaping (StatsDMetric) -> Void) throws(SystemError) {
        self.loop = loop
        self.handler = handler
        (fd, port) = try UDPSocket.bindLoopback(receiveBuffer: 1 << 20)
        watch()
    }

    deinit { UDPSocket.close(fd) }

    /// Datagrams the kernel dropped because the socket's buffer was full; nil if unknown.
    public var kernelDrops: Int? { SocketTables.udpDrops(localPort: port) }

    /// Stops listening and drops the handler.
    public func close() {
        switch state {
        case .watching: loop.unwatch(fd)
        case .gathering(let timer): loop.cancel(timer)
        case .closed: break
        }
        state = .closed
        handler = nil
    }

    private func watch() {
        state = .watching
        loop.watch(fd) { [self] _ in
            if readBatch() != .full { gather() }
        }
    }

    /// Stops watching for `gatherDelay`, then reads what came meanwhile: while datagrams keep
    /// coming, gathers again; once none came, watches (an idle gunicorn costs no wake-ups).
    private func gather() {
        loop.unwatch(fd)
        state = .gathering(loop.schedule(after: StatsDReceiver.gatherDelay) { [self] in
            if readBatch() == .drained { gather() } else { watch() }
        })
    }

    private enum BatchEnd {
        /// Nothing was waiting.
        case empty
        /// Some were read, and the socket is empty now.
        case drained
        /// `batch` datagrams were read; more may wait.
        case full
    }

    private func readBatch() -> BatchEnd {
        for read in 0..<StatsDReceiver.batch {
            let datagram: Datagram
            do {
                guard case .processed(let received) = try UDPSocket.receive(fd, into: &buffer) else {
                    return read == 0 ? .empty : .drained
                }
                datagram = received
            } catch {
                // ECONNREFUSED and the like concern one datagram; the next read goes on.
                continue
            }
            guard !datagram.isTruncated, let metrics = StatsDMetric.parse(datagram: buffer[0..<datagram.count]) else {
                statistics.malformed += 1
                continue
            }
            statistics.accepted += 1
            for metric in metrics { handler?(metric) }
        }
        return .full
    }
}
