#!/bin/sh
# Run netsim's R6-fat-tree-4 (examples/ns3-r6-fat-tree-4.toml) with every ns-3 departure on, as
# tests/ns3_r6.rs `ns3_r6_fat_tree_4_with_ns3_departures` does, for seeds FIRST..LAST at
# DURATION (a netsim time, e.g. 50ms or 5s), JOBS at a time, niced. Every flow's time series and
# every link's (queue, drops) are sampled every 100 us (SAMPLE overrides) so the drops can be
# placed in time.
# Output: OUT/netsim/d<DURATION>/seed-<n>/ (summary.json, timeseries/). A finished seed is skipped.
# Usage: scripts/ns3/run-netsim.sh DURATION FIRST LAST [JOBS] [OUT]   (OUT default /tmp/ns3r6)
# NETSIM overrides the binary (default target/release/netsim of this worktree).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dur=$1
first=$2
last=$3
jobs=${4:-1}
out=${5:-/tmp/ns3r6}
sample=${SAMPLE:-100us}
bin=${NETSIM:-$root/target/release/netsim}
[ -x "$bin" ] || { echo "$bin missing: cargo build --release" >&2; exit 1; }
# the k = 4 fat-tree's links in netsim's names (topologies/src/fat_tree.rs), and the 16 flows
series=$(python3 -c '
k, h = 4, 2
names = ["link:h%d-e%d" % (n, n // h) for n in range(k * h * h)]
names += ["link:e%d-a%d" % (p * h + s, p * h + j) for p in range(k) for s in range(h) for j in range(h)]
names += ["link:a%d-c%d" % (p * h + j, j * h + i) for p in range(k) for j in range(h) for i in range(h)]
names += ["p%d" % i for i in range(k * h * h)]
print("[" + ",".join("\"%s\"" % n for n in names) + "]")')
dir="$out/netsim/d$dur"
mkdir -p "$dir"
seq "$first" "$last" | xargs -P "$jobs" -I{} sh -c '
    s={}; d="$1"; [ -s "$d/seed-$s/summary.json" ] && exit 0
    nice -n 10 "$2" --quiet run --out "$d/seed-$s" "$3/examples/ns3-r6-fat-tree-4.toml" \
        --set seed="$s" --set duration="$4" --set tcp.ns3_departures="\"all\"" \
        --set trace.timeseries="$5" --set trace.sample_interval="$6"' sh "$dir" "$bin" "$root" "$dur" "$series" "$sample"
