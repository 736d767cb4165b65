#ifndef NETPLAN_FLANNEL_CMNL_SHIM_H
#define NETPLAN_FLANNEL_CMNL_SHIM_H

/* glibc first: linux/libc-compat.h then skips its own in_addr/in6_addr. */
#include <netinet/in.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/neighbour.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <linux/if_ether.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

/* Function-like macros Swift cannot import, exposed as inline functions. */
static inline size_t cmnl_socket_buffer_size(void) { return MNL_SOCKET_BUFFER_SIZE; }
static inline size_t cmnl_nlmsg_hdrlen(void) { return MNL_NLMSG_HDRLEN; }
static inline size_t cmnl_align(size_t len) { return MNL_ALIGN(len); }

/* setns(2) and CLONE_NEWNET need _GNU_SOURCE, which the Glibc module is not built with. */
static inline int cmnl_setns_net(int fd) { return (int)syscall(SYS_setns, fd, 0x40000000 /* CLONE_NEWNET */); }
static inline int cmnl_gettid(void) { return (int)syscall(SYS_gettid); }

#endif
