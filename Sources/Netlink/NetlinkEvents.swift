import CMnl
import Glibc

/// The rtnetlink multicast groups a reconciler listens to. Each is a bit of the legacy bind
/// mask (`1 << (group - 1)`), all below 32, so they are joined at bind time.
public enum RoutingEventGroup: UInt32, Sendable, CaseIterable {
    case link = 1            // RTNLGRP_LINK
    case neighbor = 3        // RTNLGRP_NEIGH (FDB entries of bridges and vxlan devices included)
    case ipv4Address = 5     // RTNLGRP_IPV4_IFADDR
    case ipv4Route = 7       // RTNLGRP_IPV4_ROUTE
    /// The IPv6 addresses and routes, read since the model holds both families (the
    /// `flannel-v6.<VNI>` device's address, IPv6 pod routes).
    case ipv6Address = 9     // RTNLGRP_IPV6_IFADDR
    case ipv6Route = 11      // RTNLGRP_IPV6_ROUTE

    var bindMask: UInt32 { 1 << (rawValue - 1) }
}

/// What one wait on the event socket produced.
public enum NetlinkEventBatch: Sendable {
    /// Notifications, in the order the kernel sent them (one datagram's worth).
    case events([NetlinkMessage])
    /// The socket's receive queue overflowed (`ENOBUFS`): notifications were lost, so nothing
    /// short of a full re-read of the kernel can be trusted.
    case overflow
    /// Nothing arrived within the socket's receive timeout.
    case idle
}

/// A `NETLINK_ROUTE` socket subscribed to kernel notifications (links, neighbours, addresses,
/// routes), for drift detection. Notifications name the port id of the socket whose request
/// caused them (`NetlinkMessage.portID`) when the kernel knows it, so a reconciler can tell its
/// own changes from someone else's.
///
/// Not `Sendable`: one thread reads it.
public final class NetlinkEventSocket {
    private let socket: NetlinkSocket

    /// Opens the socket in the calling thread's network namespace and joins `groups`.
    /// - Parameter pollMilliseconds: how long `next()` waits before returning `.idle`, so the
    ///   reading thread can notice it was asked to stop.
    /// - Parameter receiveBuffer: the socket's receive buffer in bytes; nil keeps the socket's
    ///   large default. A small one makes an overflow easy to provoke (tests, `--event-buffer`).
    public init(
        groups: [RoutingEventGroup] = RoutingEventGroup.allCases, pollMilliseconds: Int = 200, receiveBuffer: Int32? = nil
    ) throws(NetlinkError) {
        let mask = groups.reduce(UInt32(0)) { $0 | $1.bindMask }
        socket = try NetlinkSocket(protocol: NETLINK_ROUTE, groups: mask)
        do throws(NetlinkError) {
            try socket.setReceiveTimeout(milliseconds: pollMilliseconds)
            if var size = receiveBuffer {
                let length = socklen_t(MemoryLayout<Int32>.size)
                if setsockopt(socket.fileDescriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, length) < 0,
                   setsockopt(socket.fileDescriptor, SOL_SOCKET, SO_RCVBUF, &size, length) < 0 {
                    throw NetlinkError(.setOption("SO_RCVBUF"), errno: Glibc.errno, detail: "\(size) bytes")
                }
            }
        } catch {
            socket.close()
            throw error
        }
    }

    public var portID: UInt32 { socket.portID }

    /// Waits for the next datagram of notifications.
    /// - Throws: a receive or decode error other than an overflow or a timeout.
    public func next() throws(NetlinkError) -> NetlinkEventBatch {
        let datagram: [UInt8]
        do {
            datagram = try socket.receive()
        } catch {
            switch error.errno {
            case ENOBUFS: return .overflow
            case EAGAIN, EWOULDBLOCK: return .idle
            default: throw error
            }
        }
        return .events(try NetlinkMessage.parse(datagram).filter { !$0.isError && !$0.isDone })
    }

    public func close() { socket.close() }
}
