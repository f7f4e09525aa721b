// The full Swift runtime's floor for bench/pid1.sh: the least a statically linked Swift program on
// that runtime does to start, spawn `/bin/true`, reap it and exit; below it is the runtime and
// glibc. djinit's release build, Embedded Swift, has no such runtime and goes below it.
import Glibc

var pid: pid_t = 0
var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
guard posix_spawn(&pid, "/bin/true", nil, nil, &argv, environ) == 0 else { exit(1) }
var status: Int32 = 0
waitpid(pid, &status, 0)
exit(0)
