#!/bin/sh
# Slowdown of the flows of fct.csv that started within [FROM, TO] seconds, and of the others,
# per size bucket: for the paired control of a migration's cost (docs/workloads.md, "The cost
# of a migration: a paired control"). Apply it with the same window to the run with the
# migration and to the control run without it (same seed, so the same flow arrivals).
#
#   scripts/fct-window.sh FCT_CSV FROM_S TO_S [EDGES]
#
# EDGES: the bucket edges in bytes, comma-separated (default 10000,100000,1000000, the
# default `buckets`). Prints a CSV: side (within | outside), bucket (above_bytes-up_to_bytes,
# the last open), flows, completed, unfinished, p50_slowdown, p99_slowdown. Percentiles are
# nearest-rank over the completed flows' exact slowdowns (summary.json's come from an
# hdrhistogram of three significant digits, so they agree to about 0.1 %); a side or bucket
# without completed flows has empty percentiles. Unfinished flows are counted, not ranked.
set -eu
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
    echo "usage: $0 FCT_CSV FROM_S TO_S [EDGES]" >&2
    exit 2
fi
csv=$1
from=$2
to=$3
edges=${4:-10000,100000,1000000}
[ -r "$csv" ] || { echo "$0: cannot read $csv" >&2; exit 2; }
head -n 1 "$csv" | grep -q '^id,workload,src,dst,size,start_s,end_s,fct_s,ideal_fct_s,slowdown,retransmissions,timeouts,bytes_delivered,status$' ||
    { echo "$0: $csv does not have fct.csv's header" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
# One line per flow: side, bucket index, status, slowdown (empty unless completed).
awk -F, -v from="$from" -v to="$to" -v edges="$edges" -v dir="$tmp" '
    BEGIN { ne = split(edges, e, ",") }
    NR == 1 { next }
    {
        size = $5 + 0; start = $6 + 0
        b = 0
        while (b < ne && size > e[b + 1] + 0) b++
        side = (start >= from + 0 && start <= to + 0) ? "within" : "outside"
        key = side "," b
        n[key]++
        if ($14 == "completed") { c[key]++; print $10 > (dir "/" side "." b) }
        else if ($14 == "unfinished") u[key]++
    }
    END {
        for (k in n) printf "%s,%d,%d,%d\n", k, n[k], c[k] + 0, u[k] + 0 > (dir "/counts")
    }' "$csv"
echo "side,bucket,flows,completed,unfinished,p50_slowdown,p99_slowdown"
nb=$(echo "$edges" | awk -F, '{ print NF }')
for side in within outside; do
    b=0
    while [ "$b" -le "$nb" ]; do
        label=$(echo "$edges" | awk -F, -v b="$b" '{
            lo = (b == 0) ? 0 : $b; hi = (b < NF) ? $(b + 1) : ""; print lo "-" hi }')
        counts=$(awk -F, -v s="$side" -v b="$b" '$1 == s && $2 == b { print $3 "," $4 "," $5 }' \
            "$tmp/counts" 2>/dev/null || true)
        [ -n "$counts" ] || counts="0,0,0"
        pct=","
        if [ -s "$tmp/$side.$b" ]; then
            pct=$(sort -g "$tmp/$side.$b" | awk '
                { v[NR] = $1 }
                END {
                    r50 = int(0.5 * NR); if (r50 < 0.5 * NR) r50++; if (r50 < 1) r50 = 1
                    r99 = int(0.99 * NR); if (r99 < 0.99 * NR) r99++; if (r99 < 1) r99 = 1
                    print v[r50] "," v[r99]
                }')
        fi
        echo "$side,$label,$counts,$pct"
        b=$((b + 1))
    done
done
