// The C library, as djinit's modules see it, and the Linux calls and macros Swift cannot call, as
// plain C functions.
//
// Every djinit module reaches the C library through this header, not through Swift's Glibc
// module: the release build is Embedded Swift (Package.swift), which has no Glibc module, and the
// debug build that the tests run must run the same code. So the header includes the C library's
// headers djinit uses, and covers the little Glibc's Swift overlay adds to them: `errno`, which
// is a macro, and `open`, which is variadic. Keep the C functions few: anything Swift can call
// directly is called from Swift.
#ifndef CDJINIT_SHIM_H
#define CDJINIT_SHIM_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/// `errno`, a macro over a thread-local variable.
static inline int djinit_errno(void) { return errno; }

/// open(2), which is variadic; `mode` matters only with O_CREAT.
static inline int djinit_open(const char *path, int flags, mode_t mode) { return open(path, flags, mode); }

/// The command line `main` was given, kept by a constructor that glibc calls with it before
/// `main`: Embedded Swift has no `CommandLine`.
int djinit_argc(void);
char *const *djinit_argv(void);

/// signalfd(2) for `mask`, non-blocking and close-on-exec. Returns the descriptor or -1 (errno set).
int djinit_signalfd(const sigset_t *mask);

/// prctl(PR_SET_CHILD_SUBREAPER, 1): orphans below us are re-parented to us, not to PID 1.
int djinit_set_child_subreaper(void);

/// The wait-status macros (WIFEXITED and friends) are macros, so Swift cannot call them.
int djinit_wifexited(int status);
int djinit_wexitstatus(int status);
int djinit_wifsignaled(int status);
int djinit_wtermsig(int status);

/// SIGRTMIN and SIGRTMAX are macros that call into glibc at run time.
int djinit_sigrtmin(void);
int djinit_sigrtmax(void);

/// The process environment (`environ`), which Swift cannot name portably.
char *const *djinit_environ(void);

/// glibc's posix_spawn_file_actions_addtcsetpgrp_np (2.35+): the child takes the terminal's
/// foreground in the spawn itself, so it can never read the terminal before it is in front.
int djinit_spawn_file_actions_addtcsetpgrp(posix_spawn_file_actions_t *actions, int fd);

/// glibc's posix_spawn_file_actions_addchdir_np (2.29+): the child starts in `path`, while djinit
/// itself has moved to `/` so that it pins no mount.
int djinit_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// accept4(2) with SOCK_NONBLOCK | SOCK_CLOEXEC (Glibc's Swift module does not import accept4):
/// the accepted socket never blocks and never leaks into a spawned child.
int djinit_accept_nonblocking(int fd);

/// How many CPUs this process may run on (sched_getaffinity and CPU_COUNT, which is a macro);
/// 0 if it cannot be read.
int djinit_affinity_cpu_count(void);

/// One TCP socket of a sock_diag dump (the kernel's `inet_diag_msg`, reduced to what djinit reads).
struct djinit_tcp_socket {
    /// The socket's inode: `socket:[INODE]` in its owners' `/proc/PID/fd`.
    uint32_t inode;
    /// For a listening socket, the connections waiting to be accepted; for another, bytes unread.
    uint32_t receive_queue;
    /// For a listening socket, the accept queue's limit; for another, bytes unacknowledged.
    uint32_t send_queue;
    uint16_t local_port;
    /// The TCP state, as in `/proc/net/tcp` (1 established, 8 close-wait, 10 listen).
    uint8_t state;
};

/// The sock_diag (NETLINK_SOCK_DIAG) ABI lives in linux/ headers that Glibc's module lacks, and its
/// replies are walked with the NLMSG_* macros: these two functions keep both here, while the
/// socket and its system calls stay in Swift.
///
/// Writes into `buffer` a dump request for this network namespace's TCP sockets of `family`
/// (AF_INET or AF_INET6) whose state is in `states` (a mask of 1 << state) and whose local port is
/// `local_port`, which the kernel filters on. Returns the request's length, or 0 if `capacity` is
/// too small.
size_t djinit_sock_diag_tcp_request(void *buffer, size_t capacity, int family, uint32_t states, uint16_t local_port);

/// Decodes one read of sock_diag replies into `out`, at most `capacity` sockets (length / 16 is
/// always enough). Returns how many, or -1 with errno set: from the kernel's NLMSG_ERROR reply, or
/// EMSGSIZE if `capacity` is short. Sets `*done` to 1 when the dump ended (NLMSG_DONE).
long djinit_sock_diag_tcp_decode(const void *buffer, size_t length, struct djinit_tcp_socket *out, size_t capacity,
                                 int *done);

#endif
