#!/usr/bin/env bash
# Accuracy and fit time on MovieLens 100K, side by side with scikit-surprise on the very same rows:
# a seeded random 80/20 split of u.data is written as two files; cinemesh ingests them as a train
# and a test dataset (`cinemesh train TRAIN --test TEST`), Surprise reads them with PredefinedKFold.
#
#   benchmarks/accuracy.sh [DATA=../shared/data/ml-100k] [SEED=42]
#   benchmarks/accuracy.sh --smoke     # a generated u.data of 5,000 ratings (benchmarks/common.sh)
#
# scikit-surprise comes from PyPI into benchmarks/.venv (made on first use; it compiles; skipped
# when it cannot be had).
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/common.sh
data=${1:-../shared/data/ml-100k}
seed=${2:-42}
work=$work/accuracy
mkdir -p "$work"
cinemesh_binary
venv=benchmarks/.venv
if [ -n "$smoke" ]; then
  # MovieLens 100K's u.data layout (user, item, rating, timestamp; tab-separated), generated.
  data=$work/generated
  "$bin" generate --ratings 5000 --seed 3 --csv "$data" --force >/dev/null
  tail -n +2 "$data/ratings.csv" | tr ',' '\t' > "$data/u.data"
fi
python3 benchmarks/random_split.py "$data/u.data" "$work" "$seed"
"$bin" ingest "$work/train.data" --format ml-100k --out "$work/train" --force >/dev/null
"$bin" ingest "$work/test.data" --format ml-100k --out "$work/test" --force >/dev/null
cat > "$work/surprise_run.py" <<'PY'
import sys, time
from surprise import NMF, SVD, BaselineOnly, Dataset, Reader, accuracy
from surprise.model_selection import PredefinedKFold
work = sys.argv[1]
reader = Reader(line_format="user item rating timestamp", sep="\t", rating_scale=(1, 5))
data = Dataset.load_from_folds([(f"{work}/train.data", f"{work}/test.data")], reader)
trainset, testset = next(PredefinedKFold().split(data))
# NMF with its defaults: 15 factors, 50 epochs, unbiased, reg_pu = reg_qi = 0.06, init in [0, 1).
for name, algo in (("svd", SVD(random_state=0)), ("baseline", BaselineOnly(verbose=False)), ("nmf", NMF(random_state=0))):
    t = time.perf_counter()
    algo.fit(trainset)
    fit = time.perf_counter() - t
    preds = algo.test(testset)
    print(f"| surprise | {name} | {accuracy.rmse(preds, verbose=False):.4f} | {accuracy.mae(preds, verbose=False):.4f} | {fit:.3f} |")
PY
echo "| tool | algorithm | test RMSE | test MAE | fit seconds |"
echo "|---|---|---:|---:|---:|"
if python_peer surprise scikit-surprise; then
  "$venv/bin/python" "$work/surprise_run.py" "$work"
fi
for algo in svd baseline nmf; do
  line=$("$bin" train "$work/train" --test "$work/test" --algo "$algo" | grep -E "^$algo: test RMSE")
  rmse=$(echo "$line" | sed -E 's/.*test RMSE ([0-9.]+).*/\1/')
  mae=$(echo "$line" | sed -E 's/.*MAE ([0-9.]+).*/\1/')
  secs=$(echo "$line" | sed -E 's/.*trained in ([0-9.]+) s.*/\1/')
  echo "| cinemesh | $algo | $rmse | $mae | $secs |"
done
