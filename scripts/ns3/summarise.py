#!/usr/bin/env python3
"""R6-fat-tree-4's drops over many seeds, netsim against ns-3 (docs/ns3-comparison.md,
"Session 15: R6-fat-tree-4's drops against many ns-3 seeds").

  summarise.py drops NETSIM_DIR NS3_DIR [CSV_DIR]
      per-seed drops (queue, first and last drop time) and first slow starts of both sides,
      then the comparison: fraction of seeds with drops, mean / max, Fisher's exact test,
      Mann-Whitney U, a permutation test on the mean, and how 5-seed means fall against the
      stated tolerance (0.2 +/- 5); then netsim against the reference's own five seeds
      (REFERENCE_RESULTS_DIR below). NETSIM_DIR holds scripts/ns3/run-netsim.sh's seed-<n>/,
      NS3_DIR scripts/ns3/run-ns3.sh's seed-<n>.json and seed-<n>/. With CSV_DIR, the per-seed
      rows are also written to CSV_DIR/{netsim,ns3}-seeds.csv.
  summarise.py full SHORT_DIR FULL_DIR
      netsim: each seed's drops in a short run against the same seed's full-length run, and
      the time of the last drop of the full run (are all drops in the first slow start?).
  summarise.py reference NS3_JSON_DIR [REFERENCE_RESULTS_DIR]
      ns-3 3.37's full-length seed-<n>.json against the reference's (3.48-dev) seed-<n>.json.

Pure Python (no SciPy): the tests are written out below. Resampling uses a fixed seed, so
the output is the same on every run.
"""
import csv
import glob
import json
import math
import os
import random
import re
import sys

MSS = 1448
TOL_CENTRE, TOL = 0.2, 5.0  # the reference's R6-fat-tree-4 "drops, all queues": 0.2 +/- 5
UNSET = 4294967295


def seeds_in(path, pattern):
    found = []
    for name in os.listdir(path):
        m = re.fullmatch(pattern, name)
        if m:
            found.append(int(m.group(1)))
    return sorted(found)


def netsim_seed(d):
    """Drops per queue, drop times (upper ends of the 100 us samples) and first slow starts."""
    summary = json.load(open(os.path.join(d, "summary.json")))
    queues = {
        "%s>%s" % (q["node"], q["peer"]): q["dropped_packets"]
        for q in summary["queues"]
        if q["dropped_packets"]
    }
    times = []
    for f in glob.glob(os.path.join(d, "timeseries", "link-*.csv")):
        prev = {}
        for r in csv.DictReader(open(f)):
            key, v = (r["from"], r["to"]), int(r["dropped_packets"])
            if v > prev.get(key, 0):
                times += [float(r["time_s"])] * (v - prev.get(key, 0))
            prev[key] = v
    assert len(times) == sum(queues.values()), d
    flows = []
    paths = glob.glob(os.path.join(d, "timeseries", "p*.csv"))
    for f in sorted(paths, key=lambda p: int(re.search(r"p(\d+)\.csv$", p).group(1))):
        peak, end = 0, None
        for r in csv.DictReader(open(f)):
            if int(r["ssthresh_bytes"]) != UNSET:
                # the first reduction: CUBIC's W_max is the window it was taken from
                end = float(r["time_s"])
                peak = max(peak, int(r["w_max_bytes"] or 0))
                break
            peak = max(peak, int(r["cwnd_bytes"]))
        flows.append((end, peak / MSS))
    return {"drops": sum(queues.values()), "queues": queues, "times": sorted(times), "flows": flows}


def ns3_seed(json_path, diag):
    out = json.load(open(json_path))
    rows = list(csv.DictReader(open(os.path.join(diag, "drops.csv"))))
    assert len(rows) == out["queue_drops"], json_path
    queues = {}
    for r in rows:
        # a host has one device; a switch's drops are named by the switch only
        key = r["node"] + (">e%d" % (int(r["node"][1:]) // 2) if r["node"][0] == "h" else "")
        queues[key] = queues.get(key, 0) + 1
    flows = []
    for r in csv.DictReader(open(os.path.join(diag, "slow-start.csv"))):
        end = float(r["ss_end_s"])
        flows.append((end if end >= 0 else None, int(r["ss_peak_bytes"]) / MSS))
    times = sorted(float(r["time_s"]) for r in rows)
    return {"drops": out["queue_drops"], "queues": queues, "times": times, "flows": flows}


def mean(xs):
    return sum(xs) / len(xs)


def sd(xs):
    m = mean(xs)
    return math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1))


def log_comb(n, k):
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def fisher_two_sided(a, b, c, d):
    """Fisher's exact test on [[a, b], [c, d]]: the probability of tables at most as likely."""
    r1, c1, n = a + b, a + c, a + b + c + d

    def p(x):
        return math.exp(log_comb(r1, x) + log_comb(n - r1, c1 - x) - log_comb(n, c1))

    p_obs = p(a)
    lo, hi = max(0, c1 - (n - r1)), min(r1, c1)
    return min(1.0, sum(p(x) for x in range(lo, hi + 1) if p(x) <= p_obs * (1 + 1e-9)))


def clopper_pearson(k, n, alpha=0.05):
    """Exact binomial confidence interval by bisection on the binomial tail."""

    def cdf(x, p):
        return sum(math.exp(log_comb(n, i) + i * math.log(p) + (n - i) * math.log1p(-p))
                   for i in range(0, x + 1))

    def solve(f):
        lo, hi = 1e-12, 1 - 1e-12
        for _ in range(80):
            mid = (lo + hi) / 2
            if f(mid):
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    low = 0.0 if k == 0 else solve(lambda p: 1 - cdf(k - 1, p) < alpha / 2)
    high = 1.0 if k == n else solve(lambda p: cdf(k, p) > alpha / 2)
    return low, high


def mann_whitney(xs, ys):
    """U of xs, and the two-sided p of the normal approximation with the tie correction."""
    pooled = sorted([(v, 0) for v in xs] + [(v, 1) for v in ys])
    ranks, i = [0.0] * len(pooled), 0
    ties = 0.0
    while i < len(pooled):
        j = i
        while j + 1 < len(pooled) and pooled[j + 1][0] == pooled[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        t = j - i + 1
        ties += t ** 3 - t
        i = j + 1
    n1, n2 = len(xs), len(ys)
    r1 = sum(r for r, (_, side) in zip(ranks, pooled) if side == 0)
    u = r1 - n1 * (n1 + 1) / 2
    n = n1 + n2
    var = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1)))
    if var == 0:
        return u, 1.0
    z = (u - n1 * n2 / 2) / math.sqrt(var)
    return u, math.erfc(abs(z) / math.sqrt(2))


def permutation_mean(xs, ys, rounds=20000, seed=1):
    """Two-sided permutation test on the difference of the means."""
    rng = random.Random(seed)
    obs = abs(mean(xs) - mean(ys))
    pooled = list(xs) + list(ys)
    hits = 0
    for _ in range(rounds):
        rng.shuffle(pooled)
        if abs(mean(pooled[: len(xs)]) - mean(pooled[len(xs):])) >= obs - 1e-12:
            hits += 1
    return (hits + 1) / (rounds + 1)


def five_seed_means(xs, rounds=100000, seed=2):
    """5-seed means drawn (with replacement) from the per-seed values xs."""
    rng = random.Random(seed)
    return [mean(rng.choices(xs, k=5)) for _ in range(rounds)]


def describe(name, runs):
    drops = [r["drops"] for r in runs.values()]
    hit = [s for s, r in runs.items() if r["drops"]]
    lo, hi = clopper_pearson(len(hit), len(drops))
    print("%s: %d seeds, %d with drops (%.1f %%, 95 %% CI %.1f-%.1f %%); drops mean %.2f, sd %.2f, "
          "max %d; in seeds with drops: mean %.1f" % (
              name, len(drops), len(hit), 100 * len(hit) / len(drops), 100 * lo, 100 * hi,
              mean(drops), sd(drops), max(drops), mean([runs[s]["drops"] for s in hit]) if hit else 0))
    for s in hit:
        r = runs[s]
        print("  seed %3d: %4d drops at %s, %.4f-%.4f s" % (
            s, r["drops"], " ".join("%s %d" % kv for kv in sorted(r["queues"].items())),
            r["times"][0], r["times"][-1]))
    host = sum(v for r in runs.values() for q, v in r["queues"].items() if q.startswith("h"))
    print("  drops at hosts' own queues: %d of %d; last drop at %.4f s" % (
        host, sum(drops), max((r["times"][-1] for r in runs.values() if r["times"]), default=0)))
    flows = [f for r in runs.values() for f in r["flows"]]
    peaks = [p for _, p in flows]
    ended = [e for e, _ in flows if e is not None]
    print("  first slow starts: %d flows, peak mean %.1f segments, sd %.1f; >= 60: %d (%.1f %%), "
          ">= 90: %d, >= 150: %d; max %.0f; ended within 1 ms: %.1f %%, never: %d" % (
              len(flows), mean(peaks), sd(peaks), sum(p >= 60 for p in peaks),
              100 * mean([p >= 60 for p in peaks]), sum(p >= 90 for p in peaks),
              sum(p >= 150 for p in peaks), max(peaks),
              100 * mean([e is not None and e <= 0.001 for e, _ in flows]), len(flows) - len(ended)))
    return drops, peaks


def write_csv(path, runs):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["seed", "drops", "queues", "first_drop_s", "last_drop_s", "max_ss_peak_segments"])
        for s, r in runs.items():
            w.writerow([s, r["drops"], " ".join("%s:%d" % kv for kv in sorted(r["queues"].items())),
                        r["times"][0] if r["times"] else "", r["times"][-1] if r["times"] else "",
                        "%.1f" % max(p for _, p in r["flows"])])


REFERENCE = "/work/shared/reference/ns3/results/R6-fat-tree-4"


def against_reference(name, xs, ref=REFERENCE):
    """xs (per-seed drops of one side) against the reference's five 3.48-dev seeds."""
    r = [json.load(open(p))["queue_drops"] for p in sorted(glob.glob(os.path.join(ref, "seed-*.json")))]
    hx, hr = sum(x > 0 for x in xs), sum(x > 0 for x in r)
    u, p = mann_whitney(xs, r)
    low = mean([m <= mean(r) for m in five_seed_means(xs, seed=5)])
    print("%s against the reference's %d seeds (drops %s): Fisher p = %.3g, Mann-Whitney p = %.3g; "
          "a 5-seed mean <= %.1f in %.1f %% of draws" % (
              name, len(r), r, fisher_two_sided(hx, len(xs) - hx, hr, len(r) - hr), p, mean(r),
              100 * low))


def cmd_drops(netsim_dir, ns3_dir, csv_dir=None):
    ns = {s: netsim_seed(os.path.join(netsim_dir, "seed-%d" % s))
          for s in seeds_in(netsim_dir, r"seed-(\d+)")
          if os.path.exists(os.path.join(netsim_dir, "seed-%d" % s, "summary.json"))}
    n3 = {s: ns3_seed(os.path.join(ns3_dir, "seed-%d.json" % s), os.path.join(ns3_dir, "seed-%d" % s))
          for s in seeds_in(ns3_dir, r"seed-(\d+)\.json")}
    common = sorted(set(ns) & set(n3))
    ns = {s: ns[s] for s in common}
    n3 = {s: n3[s] for s in common}
    if csv_dir:
        os.makedirs(csv_dir, exist_ok=True)
        write_csv(os.path.join(csv_dir, "netsim-seeds.csv"), ns)
        write_csv(os.path.join(csv_dir, "ns3-seeds.csv"), n3)
    a, pa = describe("netsim", ns)
    b, pb = describe("ns-3", n3)
    ha, hb = sum(x > 0 for x in a), sum(x > 0 for x in b)
    print("Fisher's exact test, seed has drops: netsim %d/%d, ns-3 %d/%d: p = %.3g" % (
        ha, len(a), hb, len(b), fisher_two_sided(ha, len(a) - ha, hb, len(b) - hb)))
    u, p = mann_whitney(a, b)
    print("Mann-Whitney U on per-seed drops: U = %.0f (of %d), p = %.3g" % (u, len(a) * len(b), p))
    print("permutation test on the mean drops (%.2f vs %.2f): p = %.3g" % (
        mean(a), mean(b), permutation_mean(a, b)))
    u, p = mann_whitney(pa, pb)
    print("Mann-Whitney U on first-slow-start peaks (per flow): U = %.0f (of %d), p = %.3g" % (
        u, len(pa) * len(pb), p))
    ma, mb = five_seed_means(a), five_seed_means(b, seed=3)
    for name, m in (("netsim", ma), ("ns-3", mb)):
        print("%s 5-seed means (100 000 draws): > %.1f in %.1f %%, > 0 in %.1f %%, median %.1f" % (
            name, TOL_CENTRE + TOL, 100 * mean([x > TOL_CENTRE + TOL for x in m]),
            100 * mean([x > 0 for x in m]), sorted(m)[len(m) // 2]))
    for name, xs in (("netsim", a), ("ns-3", b)):
        blocks = [mean(xs[i:i + 5]) for i in range(0, len(xs) - 4, 5)]
        print("%s seeds in blocks of 5 (1-5, 6-10, ...): %d of %d block means > %.1f" % (
            name, sum(x > TOL_CENTRE + TOL for x in blocks), len(blocks), TOL_CENTRE + TOL))
    # the test's rule with a reference of five ns-3 seeds: |netsim - ns-3| <= max(5, 20 % of ns-3)
    inside = [abs(x - y) <= max(TOL, 0.2 * y) for x, y in zip(ma, mb)]
    print("a 5-seed netsim mean within max(5, 20 %%) of a 5-seed ns-3 mean: %.1f %% of draws"
          % (100 * mean(inside)))
    same = [abs(x - y) <= max(TOL, 0.2 * y) for x, y in zip(five_seed_means(b, seed=4), mb)]
    print("the same for two 5-seed ns-3 means: %.1f %% of draws" % (100 * mean(same)))
    against_reference("netsim", a)
    against_reference("ns-3 3.37", b)


def cmd_full(short_dir, full_dir):
    rows = []
    for s in seeds_in(full_dir, r"seed-(\d+)"):
        full_path = os.path.join(full_dir, "seed-%d" % s, "summary.json")
        if not os.path.exists(full_path):
            continue
        full = netsim_seed(os.path.join(full_dir, "seed-%d" % s))
        short = netsim_seed(os.path.join(short_dir, "seed-%d" % s))
        rows.append((s, short["drops"], full["drops"], full["times"][-1] if full["times"] else None))
        print("seed %3d: short run %4d drops, full run %4d, last drop of the full run at %s" % (
            s, rows[-1][1], rows[-1][2], "%.4f s" % rows[-1][3] if rows[-1][3] else "-"))
    same = sum(a == b for _, a, b, _ in rows)
    print("%d of %d seeds: the short run has every drop of the full run" % (same, len(rows)))


def cmd_reference(mine, ref="/work/shared/reference/ns3/results/R6-fat-tree-4"):
    def totals(path):
        j = json.load(open(path))
        f = [x for x in j["flows"] if x["kind"] == "tcp-bulk"]
        return {
            "goodput_mbps": j["aggregate_goodput_bps"] / 1e6,
            "retransmissions": sum(x["retransmissions"] for x in f),
            "fast_recovery_entries": sum(x["fast_retransmits"] for x in f),
            "timeouts": sum(x["timeouts"] for x in f),
            "drops": j["queue_drops"],
            "max_cwnd_segments": max(x["max_cwnd_uninflated_bytes"] for x in f) / MSS,
            "events": j["events"],
        }

    for s in seeds_in(mine, r"seed-(\d+)\.json"):
        a, b = totals(os.path.join(mine, "seed-%d.json" % s)), totals(os.path.join(ref, "seed-%d.json" % s))
        print("seed %d (3.37 / reference 3.48-dev):" % s)
        for k in a:
            print("  %-22s %12.6g %12.6g  %+.2f %%" % (k, a[k], b[k], 100 * (a[k] - b[k]) / b[k] if b[k] else 0))


if __name__ == "__main__":
    commands = {"drops": cmd_drops, "full": cmd_full, "reference": cmd_reference}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
