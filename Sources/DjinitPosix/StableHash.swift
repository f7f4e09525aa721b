/// 64-bit FNV-1a: a hash that never changes between runs, versions or platforms (unlike Swift's
/// `Hasher`, seeded per process), for values that must agree across replicas and releases, such
/// as advisory lock keys and fingerprints stored on disk.
public struct StableHash {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
    }
}
