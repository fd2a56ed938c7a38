"""One implicit-ALS iteration of the `implicit` library on a cinemesh-generated ratings.csv, timed
with 1 and 2 threads (64 factors, regularization 0.05, alpha 40, positives = rating >= 4).

    benchmarks/.venv/bin/python benchmarks/implicit_iteration.py benchmarks/work/gen-10000000/ratings.csv
    python3 benchmarks/implicit_iteration.py --smoke benchmarks/work/smoke/gen-20000/ratings.csv

--smoke (benchmarks/smoke.sh, on ingest.sh --smoke's file): a missing library skips the run with a
message instead of failing.
"""
import sys, time

smoke = sys.argv[1] == "--smoke"
try:
    import numpy as np, pandas as pd, scipy.sparse as sp
    from threadpoolctl import threadpool_limits
    from implicit.als import AlternatingLeastSquares
except ImportError as e:
    if not smoke:
        raise
    print(f"skipping the implicit iteration: {e.name} is not installed", file=sys.stderr)
    sys.exit(0)

df = pd.read_csv(sys.argv[-1])
df = df[df["rating"] >= 4]
u, _ = pd.factorize(df["userId"])
i, _ = pd.factorize(df["movieId"])
m = sp.csr_matrix((np.ones(len(df), dtype=np.float32), (u, i)))
print(f"{m.nnz} positives, {m.shape[0]} users x {m.shape[1]} items")
for threads in (1, 2):
    with threadpool_limits(1):
        model = AlternatingLeastSquares(factors=64, iterations=1, regularization=0.05, alpha=40.0, random_state=0, num_threads=threads)
        t = time.perf_counter()
        model.fit(m, show_progress=False)
        print(f"implicit, {threads} thread(s): one iteration {time.perf_counter() - t:.2f} s")
