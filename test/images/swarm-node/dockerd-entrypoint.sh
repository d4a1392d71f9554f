#!/bin/sh
# What dockerd needs in a container before it starts: writable /sys and cgroups, nested cgroups on v2 (the parts of
# docker:dind's dind script that apply here).
set -eu
# Without --privileged (where the engine cannot grant every capability, see test/engine/swarm-nodes.ts) /sys and
# the cgroup v1 hierarchies are mounted read-only; with CAP_SYS_ADMIN and no user namespace they can be remounted
# read-write (cgroup mounts are binds of this container's own cgroup: `remount,bind`).
if grep -q ' /sys sysfs ro[,\ ]' /proc/mounts; then
  mount -o remount,rw /sys
fi
awk '$3 == "cgroup" && $4 ~ /^ro,/ { print $2 }' /proc/mounts | while read -r dir; do
  mount -o remount,bind,rw "$dir"
done
# cgroup v2 (not this machine kind's v1, but a systemd host's default): move this container's processes out of its
# root cgroup and hand the controllers down, or the inner engine cannot make cgroups for its containers.
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  if grep -q ' /sys/fs/cgroup cgroup2 ro[,\ ]' /proc/mounts; then
    mount -o remount,rw /sys/fs/cgroup
  fi
  mkdir -p /sys/fs/cgroup/init
  xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs || :
  sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control
fi
# A socket left in the node's folder by an earlier run would make dockerd fail to listen.
rm -f /run/berth-node/docker.sock /run/docker.pid
exec "$@"
