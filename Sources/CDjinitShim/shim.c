#define _GNU_SOURCE
#include "CDjinitShim.h"

#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int djinit_signalfd(const sigset_t *mask) {
    return signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

int djinit_set_child_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
}

int djinit_wifexited(int status) { return WIFEXITED(status); }
int djinit_wexitstatus(int status) { return WEXITSTATUS(status); }
int djinit_wifsignaled(int status) { return WIFSIGNALED(status); }
int djinit_wtermsig(int status) { return WTERMSIG(status); }

int djinit_sigrtmin(void) { return SIGRTMIN; }
int djinit_sigrtmax(void) { return SIGRTMAX; }

char *const *djinit_environ(void) { return environ; }

int djinit_spawn_file_actions_addtcsetpgrp(posix_spawn_file_actions_t *actions, int fd) {
    return posix_spawn_file_actions_addtcsetpgrp_np(actions, fd);
}

int djinit_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

int djinit_accept_nonblocking(int fd) {
    return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int djinit_affinity_cpu_count(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
    return CPU_COUNT(&set);
}
