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
    public init?(_ line: some Collection<UInt8>) {
        let parts = line.split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
        guard parts.count >= 2, parts.count <= 4 else { return nil }
        let nameAndValue = parts[0].split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard nameAndValue.count == 2, !nameAndValue[0].isEmpty, nameAndValue[0].count <= StatsDMetric.nameLimit,
              nameAndValue[0].allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
              let value = StatsDMetric.number(nameAndValue[1]), value.isFinite,
              let kind = Kind(rawValue: String(decoding: parts[1], as: UTF8.self)) else { return nil }
        var sampleRate = 1.0
        for extra in parts.dropFirst(2) {
            if extra.first == UInt8(ascii: "@"), sampleRate == 1.0, let rate = StatsDMetric.number(extra.dropFirst()),
               rate > 0, rate <= 1 {
                sampleRate = rate
            } else if extra.first != UInt8(ascii: "#") {
                return nil
            }
        }
        name = String(decoding: nameAndValue[0], as: UTF8.self)
        self.value = value
        self.kind = kind
        self.sampleRate = sampleRate
    }

    /// A decimal number as statsD clients write it (`12`, `-3`, `12.345`, `1e3`), at most 32 bytes.
    private static func number(_ bytes: some Collection<UInt8>) -> Double? {
        guard !bytes.isEmpty, bytes.count <= 32,
              bytes.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".")
                  || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") })
        else { return nil }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    /// The metrics of one datagram: one per line; nil if any line is not a metric, so that a
    /// datagram counts as good or bad as a whole.
    public static func parse(datagram: some Collection<UInt8>) -> [StatsDMetric]? {
        var metrics: [StatsDMetric] = []
        for line in datagram.split(separator: UInt8(ascii: "\n")) {
            guard let metric = StatsDMetric(line) else { return nil }
            metrics.append(metric)
        }
        return metrics.isEmpty ? nil : metrics
    }
}

/// A statsD server on loopback, on djinit's event loop: it reads the datagrams another process
/// sends (gunicorn's, through `--statsd-host`), hands each metric on, and counts what it dropped.
///
/// It never blocks and never lets a flood hold the loop: each turn reads at most `batch`
/// datagrams, and the rest wait in the socket's buffer for the next turn (or overflow it, which
/// the kernel counts: `kernelDrops`). Datagrams that are not statsD, or are longer than
/// `datagramLimit`, are counted and dropped.
public final class StatsDReceiver {
    /// What became of the datagrams received so far.
    public struct Statistics: Sendable {
        public var accepted = 0
        public var malformed = 0
    }

    /// A datagram longer than this is no statsD line of gunicorn's (they are under 100 bytes).
    public static let datagramLimit = 1024
    /// Datagrams read per loop turn at most.
    static let batch = 256

    /// The loopback port to send to.
    public let port: UInt16
    public private(set) var statistics = Statistics()
    private let loop: EventLoop
    private let fd: Int32
    /// Kept while the receiver listens, dropped by `close()` (`EventLoop` on who keeps a
    /// callback's object alive).
    private var handler: ((StatsDMetric) -> Void)?
    private var buffer = [UInt8](repeating: 0, count: StatsDReceiver.datagramLimit + 1)

    /// Binds a port of the kernel's choosing on 127.0.0.1 and starts reading on `loop`.
    public init(loop: EventLoop, handler: @escaping (StatsDMetric) -> Void) throws(SystemError) {
        self.loop = loop
        self.handler = handler
        (fd, port) = try UDPSocket.bindLoopback(receiveBuffer: 1 << 20)
        loop.watch(fd) { [self] _ in receive() }
    }

    deinit { UDPSocket.close(fd) }

    /// Datagrams the kernel dropped because the socket's buffer was full; nil if unknown.
    public var kernelDrops: Int? { SocketTables.udpDrops(localPort: port) }

    /// Stops listening and drops the handler.
    public func close() {
        loop.unwatch(fd)
        handler = nil
    }

    private func receive() {
        for _ in 0..<StatsDReceiver.batch {
            let datagram: Datagram
            do {
                guard case .processed(let received) = try UDPSocket.receive(fd, into: &buffer) else { return }
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
    }
}
