"""The tables of bench/compare.sh from its JSON files: per step and precision, Java's and PyTorch's median
ms (PyTorch: the fastest of the layouts and allocators it ran; the ratio and peak to each other one after
"others:"), the ratio, peak RSS, then GFLOP per step, GFLOP/s and the
fraction of each side's own matmul rate in the row's precision.

usage: python bench/compare_table.py OUT ROUNDS PRECISIONS LAYOUTS TARGET...
       (OUT holds java-<t>-<p>-<r>.json, python-<t>-<p>-<layout>-<r>.json, java-rate.json, python-rate.json)
"""
import json
import os
import statistics
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def main():
    out, rounds, precisions, layouts, targets = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(","), sys.argv[4].split(), sys.argv[5:]
    rate = {side: load(f"{out}/{side}-rate.json").get("matmul") for side in ("java", "python")}

    def rows(side, t, p, layout=None):
        suffix = f"-{layout}" if layout else ""
        return [load(f"{out}/{side}-{t}-{p}{suffix}-{r}.json")["results"][0] for r in range(1, rounds + 1)]

    def median_ms(rs):
        return statistics.median(r["medianMs"] for r in rs)

    print(f"\n{'step':34s} {'prec':>5s} {'java ms':>9s} {'pytorch ms':>11s} {'layout':>14s} {'java/pytorch':>13s}"
          f" {'java peak':>10s} {'py peak':>8s}" + (f"   (median of {rounds} rounds)" if rounds > 1 else ""))
    best = {}
    for t in targets:
        for p in precisions:
            j = rows("java", t, p)
            py = {l: rows("python", t, p, l) for l in layouts}
            layout = min(py, key=lambda l: median_ms(py[l]))
            best[t, p] = (j, py[layout])
            jm, pm = median_ms(j), median_ms(py[layout])
            jp, pp = max(r["peakRssBytes"] for r in j), max(r["peakRssBytes"] for r in py[layout])
            others = "  ".join(f"{l} {jm / median_ms(py[l]):.2f}x {max(r['peakRssBytes'] for r in py[l]) / 1e9:.2f}G"
                               for l in layouts if l != layout)
            print(f"{j[0]['name']:34s} {p:>5s} {jm:9.1f} {pm:11.1f} {layout:>14s} {jm / pm:12.2f}x {jp / 1e9:9.2f}G {pp / 1e9:7.2f}G"
                  + (f"   others: {others}" if others else ""))

    print(f"\n{'step':34s} {'prec':>5s} {'java GFLOP':>10s} {'py GFLOP':>9s} {'java GFLOP/s':>12s} {'py GFLOP/s':>10s}"
          f" {'java of mm':>10s} {'py of mm':>9s}")
    for (t, p), (j, py) in best.items():
        jg, pg = j[0]["gflop"], py[0]["gflop"]
        js, ps = jg / (median_ms(j) / 1000), pg / (median_ms(py) / 1000)
        jf = js / rate["java"][p] if rate["java"] else None
        pf = ps / rate["python"][p] if rate["python"] else None
        print(f"{j[0]['name']:34s} {p:>5s} {jg:10.1f} {pg:9.1f} {js:12.1f} {ps:10.1f} {pct(jf):>10s} {pct(pf):>9s}")
    compiled = [(t, load(f"{out}/python-{t}-bf16-compile.json")["results"][0]) for t in targets
                if os.path.exists(f"{out}/python-{t}-bf16-compile.json") and ("bf16" in precisions)]
    if compiled:
        print(f"\n{'step':34s} {'java bf16 ms':>12s} {'torch.compile bf16 ms':>22s} {'java/compiled':>14s}")
        for t, c in compiled:
            jm = median_ms(best[t, "bf16"][0])
            print(f"{c['name']:34s} {jm:12.1f} {c['medianMs']:22.1f} {jm / c['medianMs']:13.2f}x")
    for side in ("java", "python"):
        m = rate[side]
        if m:
            print(f"{side} matmul {m['size']}x{m['size']}: fp32 {m['fp32']:.1f} GFLOP/s, bf16 {m['bf16']:.1f} GFLOP/s")


def pct(f):
    return f"{100 * f:.1f}%" if f else "-"


if __name__ == "__main__":
    main()
