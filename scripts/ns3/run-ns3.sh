#!/bin/sh
# Run the R6-fat-tree-4 command of the ns-3 reference README (anchor-fat-tree, CUBIC + SACK,
# no HyStart) for seeds FIRST..LAST at DURATION seconds with the diagnostics on, niced, JOBS at
# a time. Output: OUT/ns3/d<DURATION>/seed-<n>.json (the program's JSON) and seed-<n>/
# (drops.csv, slow-start.csv). A seed whose JSON exists is skipped (rerun-safe).
# Usage: scripts/ns3/run-ns3.sh DURATION FIRST LAST [JOBS] [OUT]   (OUT default /tmp/ns3r6)
set -eu
dur=$1
first=$2
last=$3
jobs=${4:-1}
out=${5:-/tmp/ns3r6}
bin="$out/bin/anchor-fat-tree"
[ -x "$bin" ] || { echo "$bin missing: run scripts/ns3/build.sh first" >&2; exit 1; }
dir="$out/ns3/d$dur"
mkdir -p "$dir"
seq "$first" "$last" | xargs -P "$jobs" -I{} sh -c '
    s={}; d="$1"; [ -s "$d/seed-$s.json" ] && exit 0
    mkdir -p "$d/seed-$s"
    nice -n 10 "$2" --k=4 --rate=1Gbps --delay=1us --queue=100 --ecmp=per-packet \
        --duration="$3" --delAckCount=2 --minRto=1 --timestamps=1 --buf=131072 \
        --tcp=Cubic --sack=1 --hystart=0 --seed="$s" --diagDir="$d/seed-$s" > "$d/seed-$s.json.tmp" &&
    mv "$d/seed-$s.json.tmp" "$d/seed-$s.json"' sh "$dir" "$bin" "$dur"
