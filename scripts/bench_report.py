#!/usr/bin/env python3
"""Tables for docs/benchmarks.md from scripts/bench.sh's results: medians over rounds, then ratios.

    .venv/bin/python scripts/bench_report.py .cache/bench/results.jsonl [sha256.txt]
    .venv/bin/python scripts/bench_report.py .cache/bench/infinity.jsonl    # bench_infinity.sh alone
"""
import collections
import json
import statistics
import sys


def main() -> None:
    runs = collections.defaultdict(list)
    for line in open(sys.argv[1], encoding="utf-8"):
        line = line.strip()
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        if r["mode"] == "peer":
            key = (f"{r['variant']} {r['name']}", "single" if r["single"] else r["batch"])
        elif r["mode"] == "bare":
            key = (r["name"], r["batch"])
        else:
            key = (r["name"], None)
        runs[key].append(r)

    def med(key, f):
        vals = [f(r) for r in runs.get(key, []) if f(r) is not None]
        return statistics.median(vals) if vals else None

    rate = lambda key: med(key, lambda r: r["seq_per_s"])
    p = lambda key, q, field="latency_ms": med(key, lambda r: (r.get(field) or {}).get(q))
    rounds = max((len(v) for v in runs.values()), default=0)
    fmt = lambda x, d=1: "–" if x is None else f"{x:,.{d}f}"
    ratio = lambda a, b: "–" if not a or not b else f"{a / b:.2f}"
    peers = [("sentence-transformers", "sentence-transformers (PyTorch)"), ("onnxruntime-python", "onnxruntime Python loop"),
             ("transformers.js", "transformers.js (onnxruntime-node)")]

    if all(name.startswith("infpair") for name, _ in runs):  # scripts/bench_infinity.sh alone
        versus_infinity(runs)
        return
    print(f"Medians over {rounds} rounds; throughput in sentences/s, latency in ms.\n")
    paired(runs)
    versus_infinity(runs)
    for variant in ("fp32", "int8"):
        bare = {k: rate(k) for k in runs if k[0].startswith(f"{variant} bare") and "w1t1" not in k[0]}
        if not bare:
            continue
        best_key = max(bare, key=lambda k: bare[k] or 0)
        best = bare[best_key]
        c16, c1 = rate((f"{variant} server c16", None)), (f"{variant} server c1", None)
        bulk = rate((f"{variant} server c4 batch32", None))
        print(f"### {variant}\n")
        print(f"Bare ORT best: {fmt(best)} sentences/s ({best_key[0].split(' bare ')[1]}, batch {best_key[1]}). "
              f"Every bare point (random draws unless sorted by length): " +
              ", ".join(f"{k[0].split(' bare ')[1]} b{k[1]} {fmt(v, 0)}" for k, v in sorted(bare.items(), key=lambda kv: (kv[0][0], kv[0][1]))) + ".\n")
        print("| measurement | sentences/s | 16 clients ÷ it | batches of 32 ÷ it |")
        print("|---|---:|---:|---:|")
        print(f"| bertserve, HTTP, 16 clients, one sentence each | {fmt(c16)} | 1.00 | {ratio(bulk, c16)} |")
        print(f"| bertserve, HTTP, 4 clients, batches of 32 sentences | {fmt(bulk)} | {ratio(c16, bulk)} | 1.00 |")
        print(f"| bare ORT session.Run, best batch | {fmt(best)} | {ratio(c16, best)} | {ratio(bulk, best)} |")
        for pid, label in peers:
            pk = [k for k in runs if k[0] == f"{variant} {pid}" and k[1] != "single"]
            if not pk:
                continue
            bk = max(pk, key=lambda k: rate(k) or 0)
            print(f"| {label}, best batch ({bk[1]}) | {fmt(rate(bk))} | {ratio(c16, rate(bk))} | {ratio(bulk, rate(bk))} |")
        print()
        print("| one request at a time | p50 | p95 |")
        print("|---|---:|---:|")
        print(f"| bertserve, HTTP, 1 client | {fmt(p(c1, 'p50'), 2)} | {fmt(p(c1, 'p95'), 2)} |")
        for cfg in ("w1t1", "w1t2"):
            k = (f"{variant} bare {cfg}", 1)
            if k in runs:
                print(f"| bare ORT session.Run, batch 1, {cfg[-1]} thread{'s' if cfg[-1] != '1' else ''} | {fmt(p(k, 'p50'), 2)} | {fmt(p(k, 'p95'), 2)} |")
        for pid, label in peers:
            k = (f"{variant} {pid}", "single")
            if k in runs:
                print(f"| {label}, one sentence | {fmt(p(k, 'p50'), 2)} | {fmt(p(k, 'p95'), 2)} |")
        print()

    print("### workers × threads (fp32, bertserve over HTTP)\n")
    print("| configuration | 16 clients: sentences/s | 1 client: p50 ms |")
    print("|---|---:|---:|")
    for label, c16k, c1k in (("2 threads for a batch alone, 1 each for busy batches: two sessions (default)", "fp32 server c16", "fp32 server c1"),
                             ("2 workers sharing one 2-thread session (`--busy-threads 2`)", "fp32 server shared c16", "fp32 server shared c1"),
                             ("1 worker × 2 threads (`--workers 1`)", "fp32 server w1t2 c16", "fp32 server w1t2 c1"),
                             ("2 workers × 1 thread each (`--threads 1`)", "fp32 server w2t1 c16", "fp32 server w2t1 c1"),
                             ("default with idle threads spinning (`--ort-spin`)", "fp32 server spin c16", None)):
        print(f"| {label} | {fmt(rate((c16k, None)))} | {fmt(p((c1k, None), 'p50'), 2) if c1k else '–'} |")
    print()

    short, mix = ("fp32 server c16", None), ("fp32 server c16 long10", None)
    print("### 10 % long inputs (fp32, 16 closed-loop clients)\n")
    print("| requests | p50 ms | p95 ms | p99 ms |")
    print("|---|---:|---:|---:|")
    print(f"| short only: every request | {fmt(p(short, 'p50'), 1)} | {fmt(p(short, 'p95'), 1)} | {fmt(p(short, 'p99'), 1)} |")
    print(f"| 10 % long: the short requests | {fmt(p(mix, 'p50', 'short_latency_ms'), 1)} | {fmt(p(mix, 'p95', 'short_latency_ms'), 1)} | {fmt(p(mix, 'p99', 'short_latency_ms'), 1)} |")
    print(f"| 10 % long: the long requests | {fmt(p(mix, 'p50', 'long_latency_ms'), 1)} | {fmt(p(mix, 'p95', 'long_latency_ms'), 1)} | {fmt(p(mix, 'p99', 'long_latency_ms'), 1)} |")
    o_short, o_mix = ("fp32 server open20", None), ("fp32 server open20 long10", None)
    if o_short in runs:
        print("\nOpen loop, 20 requests a second (fp32):\n")
        print("| requests | p50 ms | p95 ms | p99 ms |")
        print("|---|---:|---:|---:|")
        print(f"| short only: every request | {fmt(p(o_short, 'p50'), 1)} | {fmt(p(o_short, 'p95'), 1)} | {fmt(p(o_short, 'p99'), 1)} |")
        print(f"| 10 % long: the short requests | {fmt(p(o_mix, 'p50', 'short_latency_ms'), 1)} | {fmt(p(o_mix, 'p95', 'short_latency_ms'), 1)} | {fmt(p(o_mix, 'p99', 'short_latency_ms'), 1)} |")
        print(f"| 10 % long: the long requests | {fmt(p(o_mix, 'p50', 'long_latency_ms'), 1)} | {fmt(p(o_mix, 'p95', 'long_latency_ms'), 1)} | {fmt(p(o_mix, 'p99', 'long_latency_ms'), 1)} |")
    b32 = ("fp32 server c4 batch32", None)
    if b32 in runs:
        print(f"\nClient batches of 32 sentences, 4 clients: {fmt(rate(b32))} sentences/s "
              f"({ratio(rate(b32), rate(short))} × one sentence per request with 16 clients).")

    soak = runs.get(("fp32 server soak", None))
    if soak:
        s = soak[-1]
        print(f"\n### Soak\n\n{s['requests']:,} requests (16 clients, one sentence each) in {s['seconds']:.0f} s, "
              f"{s['errors']} errors, {s['rejected']} refused: server RSS {s['rss_start_kb'] >> 10} MiB at the start, "
              f"{s['rss_end_kb'] >> 10} MiB at the end, {s['rss_max_kb'] >> 10} MiB at most.")
    versions = sorted({r.get("version") for v in runs.values() for r in v if r.get("version")})
    if versions:
        print("\nPeers: " + "; ".join(versions) + ".")
    if len(sys.argv) > 2:
        print("\nModels (sha256):\n\n```\n" + open(sys.argv[2]).read().strip() + "\n```")


def span(xs, f) -> str:
    """The median of xs and their range, each formatted by f: "1.02 (0.98–1.10)"."""
    return f"{f(statistics.median(xs))} ({f(min(xs))}–{f(max(xs))})" if xs else "–"


def best_bare(recs):
    """The key and record of a pair's fastest bare session.Run batch run (not its batch-1 runs),
    or (None, None)."""
    bare = {k: r for k, r in recs.items() if " bare " in k[0] and " bare b1 " not in k[0]}
    if not bare:
        return None, None
    k = max(bare, key=lambda k: bare[k]["seq_per_s"])
    return k, bare[k]


def p50_over(single, runs):
    """How far the 1-client run's p50 is above the fastest p50 among runs, in ms."""
    return single["latency_ms"]["p50"] - min(r["latency_ms"]["p50"] for r in runs)


def paired(runs) -> None:
    """The ratios of scripts/bench_paired.sh: one per pair of back-to-back runs, then the median."""
    pairs = collections.defaultdict(dict)
    for (name, batch), rs in runs.items():
        if name.startswith("pair"):
            i, rest = name.split(" ", 1)
            for r in rs:
                pairs[(rest.split(" ")[0], i)][(rest, batch)] = r
    if not pairs:
        return
    print("### Paired ratios (bertserve ÷ bare ORT, measured back to back)\n")
    print("16 clients, one short sentence per request; \"in process\" is the server's pipeline without HTTP "
          "(`loadgen -mode inproc`). Medians over the pairs, (min–max).\n")
    print("| model | pairs | server ÷ bare best batch | in process ÷ bare best | server ÷ in process | "
          "bare best: config, batch | 1 client p50 − best bare batch-1 p50, ms | "
          "the same, bare pausing 0.3 ms after each run, ms |")
    print("|---|---:|---|---|---|---|---|---|")
    for variant in ("fp32", "int8"):
        ratios, batching, http, deltas, cold, bests = [], [], [], [], [], collections.Counter()
        for (v, _), recs in sorted(pairs.items()):
            if v != variant:
                continue
            k, best = best_bare(recs)
            b1 = [r for k, r in recs.items() if " bare b1 " in k[0]]
            b1_cold = [r for k, r in recs.items() if " cold b1 " in k[0]]
            server, single = recs.get((f"{v} server c16", None)), recs.get((f"{v} server c1", None))
            inproc = recs.get((f"{v} inproc c16", None))
            if best and server:
                ratios.append(server["seq_per_s"] / best["seq_per_s"])
                bests[f"{k[0].split(' bare ')[1]}, {k[1]}"] += 1
                if inproc:
                    batching.append(inproc["seq_per_s"] / best["seq_per_s"])
                    http.append(server["seq_per_s"] / inproc["seq_per_s"])
            if single and b1:
                deltas.append(p50_over(single, b1))
            if single and b1_cold:
                cold.append(p50_over(single, b1_cold))
        if ratios:
            two = lambda x: f"{x:.2f}"
            print(f"| {variant} | {len(ratios)} | {span(ratios, two)} | {span(batching, two)} | {span(http, two)} | "
                  f"{', '.join(f'{b} ({n}×)' for b, n in bests.most_common())} | {span(deltas, lambda x: f'{x:+.2f}')} | "
                  f"{span(cold, lambda x: f'{x:+.2f}')} |")
    print()

    def per_pair(variant, a, b, f):
        """f(record a, record b) for every pair of variant that ran both runs a and b."""
        out = []
        for (v, _), recs in sorted(pairs.items()):
            ra, rb = recs.get((f"{v} {a}", None)), recs.get((f"{v} {b}", None))
            if v == variant and ra and rb:
                out.append(f(ra, rb))
        return out

    rate_ratio = lambda a, b: a["seq_per_s"] / b["seq_per_s"]
    p50_diff = lambda a, b: a["latency_ms"]["p50"] - b["latency_ms"]["p50"]
    two, signed = (lambda x: f"{x:.2f}"), (lambda x: f"{x:+.2f}")

    def table(intro, columns):
        """One row per variant; each column is (header, run a, run b, f, format) over the pairs."""
        print(intro + "\n")
        print("| model | " + " | ".join(c[0] for c in columns) + " |")
        print("|---" * (len(columns) + 1) + "|")
        for variant in ("fp32", "int8"):
            cells = [per_pair(variant, a, b, f) for _, a, b, f, _ in columns]
            if any(cells):
                print(f"| {variant} | " + " | ".join(span(xs, c[4]) for xs, c in zip(cells, columns)) + " |")
        print()

    cpu_table(pairs)

    table("Packed batches against padded ones (`--packing=false`), two servers answering the same loads "
          "back to back; bertserve over HTTP, sentences/s ratio, medians over the pairs, (min–max).", [
              ("16 clients, one sentence each", "server c16", "padded c16", rate_ratio, two),
              ("4 clients, batches of 32 sentences", "server c4 batch32", "padded c4 batch32", rate_ratio, two)])
    table("The default two sessions per model (every core for a batch that has the model to itself, one "
          "thread each for busy batches) against one session whose thread pool both workers share "
          "(`--busy-threads 2`), two servers answering the same loads back to back; bertserve over HTTP, "
          "medians over the pairs, (min–max).", [
              ("16 clients: sentences/s ratio", "server c16", "shared c16", rate_ratio, two),
              ("4 clients × 32 sentences: ratio", "server c4 batch32", "shared c4 batch32", rate_ratio, two),
              ("1 client: p50 difference, ms", "server c1", "shared c1", p50_diff, signed)])


def cpu_table(pairs) -> None:
    """CPU time per sentence in the paired runs: bare session.Run at its best batch, the pipeline in
    process, and the server with the load generator beside it. On cores that stay busy, bare's share
    over the server's and the load generator's bounds what the server can reach of bare."""
    rows = []
    for variant in ("fp32", "int8"):
        bare, inproc, server, client, bound = [], [], [], [], []
        for (v, _), recs in sorted(pairs.items()):
            if v != variant:
                continue
            _, best = best_bare(recs)
            srv, inp = recs.get((f"{variant} server c16", None)), recs.get((f"{variant} inproc c16", None))
            if not best or not best.get("cpu_ms_per_seq") or not srv or not srv.get("server_cpu_ms_per_seq"):
                continue
            bare.append(best["cpu_ms_per_seq"])
            server.append(srv["server_cpu_ms_per_seq"])
            client.append(srv.get("cpu_ms_per_seq", 0))
            bound.append(best["cpu_ms_per_seq"] / (server[-1] + client[-1]))
            if inp and inp.get("cpu_ms_per_seq"):
                inproc.append(inp["cpu_ms_per_seq"])
        if bare:
            ms = lambda x: f"{x:.3f}"
            rows.append(f"| {variant} | {len(bare)} | {span(bare, ms)} | {span(inproc, ms)} | {span(server, ms)} | "
                        f"{span(client, ms)} | {span(bound, lambda x: f'{x:.2f}')} |")
    if not rows:
        return
    print("CPU time (user and system) per sentence in the same pairs, ms: bare `session.Run` at its best "
          "batch, the pipeline in process (16 client goroutines included), and at 16 clients over HTTP the "
          "server and the load generator, which share the machine's cores. While the cores stay busy, "
          "bare ÷ (server + load generator) bounds server ÷ bare. Medians over the pairs, (min–max).\n")
    print("| model | pairs | bare best | in process | server, HTTP | load generator | bound on server ÷ bare |")
    print("|---|---:|---|---|---|---|---|")
    print("\n".join(rows))
    print()


def versus_infinity(runs) -> None:
    """The ratios of scripts/bench_infinity.sh: bertserve ÷ infinity, one per pair, then the median."""
    pairs = collections.defaultdict(dict)
    for (name, _), rs in runs.items():
        if name.startswith("infpair"):
            i, variant, server, load = name.split(" ", 3)
            for r in rs:
                pairs[(variant, i)][(server, load)] = r
    if not pairs:
        return
    med = lambda xs: f"{statistics.median(xs):,.1f}" if xs else "–"
    engines = [("infinity-torch", "PyTorch"), ("infinity-onnx", "ONNX Runtime")]
    print("### Against infinity (bertserve ÷ infinity over HTTP, measured back to back)\n")
    print("Sentences/s (medians over the pairs) and bertserve's ratio to each, the median of the "
          "per-pair ratios (min–max); one client: p50 latency in ms.\n")
    print("| model | load | pairs | bertserve | " + " | ".join(f"infinity, {e} | ratio" for _, e in engines) + " |")
    print("|---|---|---:|---:|" + "---:|---|" * len(engines))
    loads = [("c16", "16 clients, one sentence each"), ("c4 batch32", "4 clients, batches of 32")]
    for variant in ("fp32", "int8"):
        recs = [v for (var, _), v in sorted(pairs.items()) if var == variant]
        if not recs:
            continue
        for load, label in loads:
            ours = [r[("bertserve", load)]["seq_per_s"] for r in recs if ("bertserve", load) in r]
            cells = []
            for engine, _ in engines:
                theirs = [r[(engine, load)]["seq_per_s"] for r in recs if (engine, load) in r]
                ratios = [r[("bertserve", load)]["seq_per_s"] / r[(engine, load)]["seq_per_s"]
                          for r in recs if ("bertserve", load) in r and (engine, load) in r]
                cells += [med(theirs), span(ratios, lambda x: f"{x:.2f}×")]
            print(f"| {variant} | {label} | {len(ours)} | {med(ours)} | " + " | ".join(cells) + " |")
        p50 = lambda server: [r[(server, "c1")]["latency_ms"]["p50"] for r in recs if (server, "c1") in r]
        lat = lambda xs: f"{statistics.median(xs):.2f} ms" if xs else "–"
        print(f"| {variant} | 1 client, p50 | {len(p50('bertserve'))} | {lat(p50('bertserve'))} | " +
              " | ".join(f"{lat(p50(e))} | " for e, _ in engines) + " |")
    print()


if __name__ == "__main__":
    main()
