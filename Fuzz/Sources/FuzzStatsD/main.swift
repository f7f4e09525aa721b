import DjinitProbe
import FuzzDriver

/// The statsD parser, on any datagram a process in the pod could send to `run`'s metrics port: it
/// must never crash, and what it accepts is a metric that cannot poison `/metrics` (a finite
/// value, a printable name, a sample rate that divides safely).
runFuzzer { data, size in
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    for metric in StatsDMetric.parse(datagram: bytes[...]) ?? [] {
        precondition(metric.value.isFinite, "an infinite or NaN value was accepted")
        precondition(metric.sampleRate > 0 && metric.sampleRate <= 1, "a sample rate outside (0, 1] was accepted")
        precondition(!metric.name.isEmpty && metric.name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "an unprintable name was accepted")
    }
    return 0
}
