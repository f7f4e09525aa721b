import DjinitPosix
import Testing

@Suite struct ProcessArgumentsTests {
    @Test("the command line read from the C library is the one CommandLine has")
    func sameAsCommandLine() {
        #expect(ProcessArguments.current() == CommandLine.arguments)
    }
}
