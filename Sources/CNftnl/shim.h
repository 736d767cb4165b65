#ifndef NETPLAN_FLANNEL_CNFTNL_SHIM_H
#define NETPLAN_FLANNEL_CNFTNL_SHIM_H

#include <stdint.h>
#include <stddef.h>
/* glibc first: linux/libc-compat.h then skips its own in_addr/in6_addr, so both C modules
   see one definition. */
#include <netinet/in.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/common.h>
#include <libnftnl/batch.h>
#include <libnftnl/table.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/expr.h>
#include <libnftnl/udata.h>
#include <linux/netfilter/nf_nat.h>

#endif
