import Foundation
import Netlink

/// The `TargetedDrift` shared by the two threads: the event thread records notifications into
/// it, the reconcile thread takes it (and starts a new one) at the start of every pass.
///
/// Taking happens before a pass reads anything, and recording before the event is posted, so a
/// notification is either in what a pass took or in what the next pass will take.
public final class TargetedDriftLedger: @unchecked Sendable {
    private let lock = NSLock()
    private var drift = TargetedDrift()
    /// Empty before the first full pass, and when no vxlan device is desired: neighbour
    /// notifications then ask for a full pass.
    private var devices: [TargetedDevice] = []

    public init() {}

    /// The vxlan devices the last successful full pass left (IPv4's, IPv6's). What was
    /// recorded against other devices (one was re-created meanwhile) can only be sorted out by a
    /// full pass.
    func setDevices(_ newDevices: [TargetedDevice]) {
        lock.lock(); defer { lock.unlock() }
        if newDevices != devices && drift.keyCount > 0 && drift.fullPassReason == nil {
            drift.fullPassReason = "a vxlan device changed"
        }
        devices = newDevices
    }

    func record(_ message: NetlinkMessage, relevant: Bool) {
        lock.lock(); defer { lock.unlock() }
        let devices = self.devices
        drift.record(message, relevant: relevant, devices: devices, deviceName: { NetworkInterface.name(ofIndex: $0) })
    }

    /// What was recorded since the last take, and the devices it was read against.
    func take() -> (drift: TargetedDrift, devices: [TargetedDevice]) {
        lock.lock(); defer { lock.unlock() }
        let taken = drift
        drift = TargetedDrift()
        return (taken, devices)
    }
}
