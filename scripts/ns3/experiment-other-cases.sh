#!/bin/bash
# The cwnd-limited experiment on the other reference cases: every ns3-r* example (R3 seed 1)
# with all ns-3 departures, run by a netsim built with experiment-cwnd-limited.patch (NETSIM,
# default /tmp/ns3r6/target-exp/release/netsim) without and with NETSIM_EXP_CWND_LIMITED=1;
# prints whether summary.json changed; then R6-fat-tree-4 seeds 1-5 in netsim's RFC mode (no
# departures). Output under OUT (default /tmp/ns3r6/rcases).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${NETSIM:-/tmp/ns3r6/target-exp/release/netsim}
out=${1:-/tmp/ns3r6/rcases}
mkdir -p "$out"
compare() {
    if cmp -s <(sed 's/"wall_time_s": [0-9.e-]*//' "$out/base-$1/summary.json") \
        <(sed 's/"wall_time_s": [0-9.e-]*//' "$out/exp-$1/summary.json"); then
        echo "$1: identical"
    else
        echo "$1: changed"
        diff <(grep -v wall_time_s "$out/base-$1/summary.json") \
            <(grep -v wall_time_s "$out/exp-$1/summary.json") | grep '^[<>]' | head -20
    fi
}
for ex in ns3-r1 ns3-r2 ns3-r3 ns3-r4 ns3-r5 ns3-r7 ns3-r6-dumbbell; do
    nice -n 10 "$bin" --quiet run --out "$out/base-$ex" "$root/examples/$ex.toml" \
        --set tcp.ns3_departures='"all"'
    NETSIM_EXP_CWND_LIMITED=1 nice -n 10 "$bin" --quiet run --out "$out/exp-$ex" \
        "$root/examples/$ex.toml" --set tcp.ns3_departures='"all"'
    compare "$ex"
done
for s in 1 2 3 4 5; do
    nice -n 10 "$bin" --quiet run --out "$out/base-rfc-ft4-$s" \
        "$root/examples/ns3-r6-fat-tree-4.toml" --set seed=$s --set 'trace.timeseries=[]'
    NETSIM_EXP_CWND_LIMITED=1 nice -n 10 "$bin" --quiet run --out "$out/exp-rfc-ft4-$s" \
        "$root/examples/ns3-r6-fat-tree-4.toml" --set seed=$s --set 'trace.timeseries=[]'
    compare "rfc-ft4-$s"
done
