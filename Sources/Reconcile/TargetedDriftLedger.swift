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
    /// nil before the first full pass, and when no vxlan device is desired: neighbour
    /// notifications then ask for a full pass.
    private var device: TargetedDevice?

    public init() {}

    /// The vxlan device the last successful full pass left. What was recorded against another
    /// device (it was re-created meanwhile) can only be sorted out by a full pass.
    func setDevice(_ newDevice: TargetedDevice?) {
        lock.lock(); defer { lock.unlock() }
        if newDevice != device && drift.keyCount > 0 && drift.fullPassReason == nil {
            drift.fullPassReason = "the vxlan device changed"
        }
        device = newDevice
    }

    func record(_ message: NetlinkMessage, relevant: Bool) {
        lock.lock(); defer { lock.unlock() }
        let device = self.device
        drift.record(message, relevant: relevant, device: device, deviceName: { NetworkInterface.name(ofIndex: $0) })
    }

    /// What was recorded since the last take, and the device it was read against.
    func take() -> (drift: TargetedDrift, device: TargetedDevice?) {
        lock.lock(); defer { lock.unlock() }
        let taken = drift
        drift = TargetedDrift()
        return (taken, device)
    }
}
