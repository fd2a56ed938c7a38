#!/usr/bin/env bash
# Implicit-feedback ALS on MovieLens 100K against the `implicit` library, same rows, same settings
# (64 factors, 15 iterations, regularization 0.05, alpha 40, positives = rating >= 4), both models
# scored by the same Python function (top 10 over the whole catalog, training items excluded,
# relevant = held-out ratings >= 4). Run benchmarks/accuracy.sh first: it writes the split files.
#
#   benchmarks/implicit.sh
#   benchmarks/implicit.sh --smoke     # on accuracy.sh --smoke's split, 8 factors, 3 iterations (benchmarks/common.sh)
#
# implicit comes from PyPI into benchmarks/.venv (skipped when it cannot be had).
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/common.sh
work=$work/accuracy
if [ -n "$smoke" ] && [ ! -f "$work/train.data" ]; then
  benchmarks/accuracy.sh --smoke >/dev/null
fi
[ -f "$work/train.data" ] || { echo "run benchmarks/accuracy.sh first (it writes the split)" >&2; exit 1; }
cinemesh_binary
factors=64 iterations=15
[ -z "$smoke" ] || { factors=8; iterations=3; }
venv=benchmarks/.venv
"$bin" train "$work/train" --test "$work/test" --algo als-implicit --factors "$factors" --epochs "$iterations" --reg 0.05 --alpha 40 \
    --save "$work/implicit.cmmodel" > "$work/cinemesh-implicit.log"
grep -E "trained in|top 10" "$work/cinemesh-implicit.log" >&2
"$bin" export "$work/implicit.cmmodel" --out "$work/implicit-npy" --force >/dev/null
python_peer implicit implicit threadpoolctl || exit 0
cat > "$work/implicit_run.py" <<'PY'
import sys, time, numpy as np, scipy.sparse as sp
from threadpoolctl import threadpool_limits
from implicit.als import AlternatingLeastSquares
from implicit.evaluation import ranking_metrics_at_k
work = sys.argv[1]
users = open(f"{work}/implicit-npy/user_ids.txt").read().split()
items = open(f"{work}/implicit-npy/item_ids.txt").read().split()
u_index = {u: i for i, u in enumerate(users)}
i_index = {x: i for i, x in enumerate(items)}
def load(name):
    rows, cols = [], []
    for line in open(f"{work}/{name}"):
        u, i, r, _ = line.split("\t")
        if float(r) >= 4 and u in u_index and i in i_index:
            rows.append(u_index[u]); cols.append(i_index[i])
    return sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(users), len(items)))
train, test = load("train.data"), load("test.data")
seen = {}
for line in open(f"{work}/train.data"):
    u, i, r, _ = line.split("\t")
    seen.setdefault(u_index[u], set()).add(i_index[i])
def score(P, Q, k=10):
    prec = prec_min = ndcg = 0.0; n = 0
    for u in range(len(users)):
        rel = set(test[u].indices)
        if not rel: continue
        s = Q @ P[u]
        s[list(seen.get(u, ()))] = -np.inf
        top = np.argsort(-s, kind="stable")[:k]
        hits = [j for j, i in enumerate(top) if i in rel]
        prec += len(hits) / k; prec_min += len(hits) / min(k, len(rel))
        ndcg += sum(1 / np.log2(j + 2) for j in hits) / sum(1 / np.log2(j + 2) for j in range(min(k, len(rel))))
        n += 1
    return prec / n, prec_min / n, ndcg / n, n
ours = score(np.load(f"{work}/implicit-npy/user_factors.npy"), np.load(f"{work}/implicit-npy/item_factors.npy"))
print("| library | fit s | precision@10 (hits/k) | precision@10 (hits/min(k, rel)) | NDCG@10 | users |")
print("|---|---:|---:|---:|---:|---:|")
fit_ours = [l for l in open(f"{work}/cinemesh-implicit.log") if "trained in" in l][0].split("trained in ")[1].split(" s")[0]
print(f"| cinemesh (2 threads) | {fit_ours} | {ours[0]:.4f} | {ours[1]:.4f} | {ours[2]:.4f} | {ours[3]} |")
factors, iterations = int(sys.argv[2]), int(sys.argv[3])
for threads in (1, 2):
    with threadpool_limits(1):
        model = AlternatingLeastSquares(factors=factors, iterations=iterations, regularization=0.05, alpha=40.0, random_state=0, num_threads=threads)
        t = time.perf_counter(); model.fit(train, show_progress=False); fit = time.perf_counter() - t
    theirs = score(np.asarray(model.user_factors), np.asarray(model.item_factors))
    print(f"| implicit {model.__class__.__module__.split('.')[-1]} ({threads} thread{'s' if threads > 1 else ''}) | {fit:.3f} | {theirs[0]:.4f} | {theirs[1]:.4f} | {theirs[2]:.4f} | {theirs[3]} |")
own = ranking_metrics_at_k(model, train, test, K=10, show_progress=False)
print(f"\nimplicit's own ranking_metrics_at_k on its 2-thread model: precision {own['precision']:.4f}, ndcg {own['ndcg']:.4f}, map {own['map']:.4f}")
PY
"$venv/bin/python" "$work/implicit_run.py" "$work" "$factors" "$iterations"
