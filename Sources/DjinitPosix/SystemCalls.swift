import CDjinitShim

// The C library's calls whose names this module's own types reuse (`Socket.read`, `Socket.close`,
// `Socket.listen`, `CurrentProcess.exit`): inside those types the bare name means the method, so
// they call these. Free functions in a file of their own, where the bare name can only mean the C
// library's (Embedded Swift has no Glibc module to name them by, as `Glibc.read`).

func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}

func systemClose(_ fd: Int32) -> Int32 {
    close(fd)
}

func systemListen(_ fd: Int32, _ backlog: Int32) -> Int32 {
    listen(fd, backlog)
}

func systemExit(_ code: Int32) -> Never {
    exit(code)
}
