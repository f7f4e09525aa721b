// Linux calls and macros that Swift's Glibc module does not import, as plain C functions.
//
// Keep this header small: anything Glibc already imports is used from Swift directly.
#ifndef CDJINIT_SHIM_H
#define CDJINIT_SHIM_H

#include <signal.h>
#include <spawn.h>
#include <sys/signalfd.h>
#include <sys/types.h>

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

#endif
