#!/usr/bin/env bash
# Neighbourhood models against scikit-surprise, and item-knn similarity on a cluster. Release build.
#
# 1. MovieLens 100K: the seeded 80/20 split of benchmarks/accuracy.sh, as a train and a test
#    dataset (`cinemesh train TRAIN --test TEST`) and as Surprise's PredefinedKFold. Item-based
#    KNNBaseline with pearson_baseline (the default of --algo item-knn, Surprise's strongest
#    neighbourhood rule on MovieLens), the same user-based, item-based KNNWithMeans with pearson and
#    KNNBasic with cosine; k 40, min_k 1, shrinkage 100 throughout. RMSE, MAE, and the median fit
#    seconds of ROUNDS fits (Surprise: algo.fit; cinemesh: the "trained in" figure, baselines,
#    similarities and neighbour lists, on both cores).
# 2. item-knn on a generated dataset of RATINGS ratings on a GRID grid, on a lasting local cluster
#    (`cinemesh up`) of 2 worker processes: the job's time once the shards are on the workers
#    (a first run ships them), NEIGHBORS kept per item, and the peak resident memory (VmHWM) of the
#    coordinator and of each worker.
#
#   benchmarks/knn.sh [DATA=../shared/data/ml-100k] [RATINGS=10000000] [GRID=8x8] [ROUNDS=3] [NEIGHBORS=200]
#   benchmarks/knn.sh --smoke     # 5,000 generated ratings, then 20,000 on a 2x2 grid, 1 round
#
# scikit-surprise comes from PyPI into benchmarks/.venv (skipped with a message when it cannot).
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/common.sh
data=${1:-../shared/data/ml-100k}
ratings=${2:-10000000}
grid=${3:-8x8}
rounds=${4:-3}
neighbors=${5:-200}
[ -z "$smoke" ] || { ratings=20000; grid=2x2; rounds=1; }
base=$work
work=$base/knn
mkdir -p "$work"
cinemesh_binary
if [ -n "$smoke" ]; then
  data=$work/generated
  "$bin" generate --ratings 5000 --seed 3 --csv "$data" --force >/dev/null
  tail -n +2 "$data/ratings.csv" | tr ',' '\t' > "$data/u.data"
fi
python3 benchmarks/random_split.py "$data/u.data" "$work" 42
"$bin" ingest "$work/train.data" --format ml-100k --out "$work/train" --force >/dev/null
"$bin" ingest "$work/test.data" --format ml-100k --out "$work/test" --force >/dev/null
cat > "$work/surprise_run.py" <<'PY'
import statistics, sys, time
from surprise import KNNBaseline, KNNBasic, KNNWithMeans, Dataset, Reader, accuracy
from surprise.model_selection import PredefinedKFold
work, rounds = sys.argv[1], int(sys.argv[2])
reader = Reader(line_format="user item rating timestamp", sep="\t", rating_scale=(1, 5))
data = Dataset.load_from_folds([(f"{work}/train.data", f"{work}/test.data")], reader)
trainset, testset = next(PredefinedKFold().split(data))
runs = [("item-knn", "baseline", "pearson_baseline", KNNBaseline, False), ("user-knn", "baseline", "pearson_baseline", KNNBaseline, True),
        ("item-knn", "means", "pearson", KNNWithMeans, False), ("item-knn", "basic", "cosine", KNNBasic, False)]
for algo, rule, sim, cls, user_based in runs:
    fits = []
    for _ in range(rounds):
        model = cls(k=40, min_k=1, sim_options={"name": sim, "user_based": user_based, "shrinkage": 100}, verbose=False)
        t = time.perf_counter()
        model.fit(trainset)
        fits.append(time.perf_counter() - t)
    preds = model.test(testset)
    print(f"| surprise | {algo} {rule} {sim} | {accuracy.rmse(preds, verbose=False):.4f} | {accuracy.mae(preds, verbose=False):.4f} | {statistics.median(fits):.3f} |", flush=True)
PY
echo "| tool | model | test RMSE | test MAE | fit seconds (median of $rounds) |"
echo "|---|---|---:|---:|---:|"
if python_peer surprise scikit-surprise; then
  benchmarks/.venv/bin/python "$work/surprise_run.py" "$work" "$rounds"
fi
for run in "item-knn baseline pearson_baseline" "user-knn baseline pearson_baseline" "item-knn means pearson" "item-knn basic cosine"; do
  set -- $run
  fits=()
  for _ in $(seq 1 "$rounds"); do
    line=$("$bin" train "$work/train" --test "$work/test" --algo "$1" --knn "$2" --sim "$3" --ranking-users 1 | grep -E "^$1: test RMSE")
    fits+=("$(echo "$line" | sed -E 's/.*trained in ([0-9.]+) s.*/\1/')")
  done
  rmse=$(echo "$line" | sed -E 's/.*test RMSE ([0-9.]+).*/\1/')
  mae=$(echo "$line" | sed -E 's/.*MAE ([0-9.]+).*/\1/')
  median=$(printf '%s\n' "${fits[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  echo "| cinemesh | $1 $2 $3 | $rmse | $mae | $median |"
done

# 2. item-knn similarities on a cluster of 2 workers.
work=$base
. benchmarks/generated-dataset.sh
python3 -c "import json; m=json.load(open('$ds/manifest.json')); print('\ndataset: %d ratings, %d users, %d items, grid $grid; 2 workers, %s neighbours kept per item' % (m['ratings'], m['users'], m['items'], '$neighbors'))"
home=$(mktemp -d /tmp/cinemesh-bench-XXXXXX)
trap 'CINEMESH_HOME=$home "$bin" down >/dev/null 2>&1 || true; rm -rf "$home"' EXIT
CINEMESH_HOME=$home "$bin" up --workers 2 >/dev/null
flags=(--algo item-knn --neighbors "$neighbors" --split random:0.1 --cluster)
CINEMESH_HOME=$home "$bin" train "$ds" "${flags[@]}" >/dev/null 2>&1   # ships the shards
for round in $(seq 1 "$rounds"); do
  start=$EPOCHREALTIME
  CINEMESH_HOME=$home "$bin" train "$ds" "${flags[@]}" 2>/dev/null | grep -E "^item-knn:"
  echo "round $round: $(python3 -c "print('%.1f' % ($EPOCHREALTIME - $start))") s from submission to result"
done
python3 - "$home/cluster/cluster.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
def hwm(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
pids = [("coordinator", c["coordinator"]["pid"])] + [(f"worker {n + 1}", w["pid"]) for n, w in enumerate(c["workers"])]
print("peak resident memory: " + ", ".join(f"{name} {hwm(pid):.0f} MB" for name, pid in pids))
PY
