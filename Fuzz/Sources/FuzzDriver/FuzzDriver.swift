#if canImport(Glibc)
import Glibc
#endif

/// One fuzz target's test: the bytes of one input. It crashes (a trap) to report a finding.
public typealias FuzzTest = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// libFuzzer's entry point for a program with a `main` of its own (SwiftPM gives every executable
/// one, so libFuzzer's `main` cannot be used).
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(_ argc: UnsafeMutablePointer<CInt>,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                       _ test: FuzzTest) -> CInt

/// Runs libFuzzer with this program's command line (`-max_total_time=`, a corpus folder, ...)
/// on `test`, and exits with its status.
public func runFuzzer(_ test: FuzzTest) -> Never {
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(runDriver(&argc, &argv, test))
}

/// The input as text, decoded as UTF-8 (invalid bytes replaced), as djinit decodes what it reads.
public func text(_ data: UnsafePointer<UInt8>?, _ size: Int) -> String {
    guard let data else { return "" }
    return String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
}

/// libFuzzer's archive is linked whole, so its own `main`, which calls this, is linked in too
/// (though SwiftPM's `main` is the one that runs): it is defined to satisfy the linker only.
@_cdecl("LLVMFuzzerTestOneInput")
public func unusedTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fatalError("libFuzzer's own main is not used; runFuzzer hands the test to LLVMFuzzerRunDriver")
}
