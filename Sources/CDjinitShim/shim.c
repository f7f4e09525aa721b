#define _GNU_SOURCE
#include "CDjinitShim.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
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

// glibc calls the functions of .init_array with main's own arguments (a GNU extension that the
// dynamic loader and a static binary's start-up code both honour), before main runs.
static int saved_argc;
static char *const *saved_argv;
static void save_arguments(int argc, char **argv, char **envp) {
    (void)envp;
    saved_argc = argc;
    saved_argv = argv;
}
__attribute__((section(".init_array"), used)) static void (*const save_arguments_entry)(int, char **, char **) = save_arguments;

int djinit_argc(void) { return saved_argc; }
char *const *djinit_argv(void) { return saved_argv; }

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

size_t djinit_sock_diag_tcp_request(void *buffer, size_t capacity, int family, uint32_t states, uint16_t local_port) {
    struct {
        struct nlmsghdr header;
        struct inet_diag_req_v2 request;
    } message;
    if (capacity < sizeof message) return 0;
    memset(&message, 0, sizeof message);
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    message.request.sdiag_family = (uint8_t)family;
    message.request.sdiag_protocol = IPPROTO_TCP;
    message.request.idiag_states = states;
    message.request.id.idiag_sport = htons(local_port);
    memcpy(buffer, &message, sizeof message);
    return sizeof message;
}

long djinit_sock_diag_tcp_decode(const void *buffer, size_t length, struct djinit_tcp_socket *out, size_t capacity,
                                 int *done) {
    long count = 0;
    int remaining = (int)length;
    for (const struct nlmsghdr *header = buffer; NLMSG_OK(header, remaining); header = NLMSG_NEXT(header, remaining)) {
        if (header->nlmsg_type == NLMSG_DONE) {
            *done = 1;
            return count;
        }
        if (header->nlmsg_type == NLMSG_ERROR) {
            const struct nlmsgerr *error = NLMSG_DATA(header);
            errno = header->nlmsg_len >= NLMSG_LENGTH(sizeof *error) && error->error < 0 ? -error->error : EPROTO;
            return -1;
        }
        if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY || header->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
            continue;
        if ((size_t)count == capacity) {
            errno = EMSGSIZE;
            return -1;
        }
        const struct inet_diag_msg *socket = NLMSG_DATA(header);
        out[count++] = (struct djinit_tcp_socket){
            .inode = socket->idiag_inode,
            .receive_queue = socket->idiag_rqueue,
            .send_queue = socket->idiag_wqueue,
            .local_port = ntohs(socket->id.idiag_sport),
            .state = socket->idiag_state,
        };
    }
    return count;
}
