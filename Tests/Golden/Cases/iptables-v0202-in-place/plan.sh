#!/usr/bin/env bash
# netplan-flannel plan for node 172.22.0.239: lease 10.244.0.0/24, backend vxlan
# net-conf: net-conf.json
# leases: leases.json
set -euo pipefail

