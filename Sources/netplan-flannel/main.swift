print("netplan-flannel")
