#!/usr/bin/env bash
# The like/dislike classifiers against their peers on the very same features: `cinemesh features`
# exports them (float32 .npy, docs/FEATURES.md) and every tool fits the same training rows and is
# scored on the same held-out rows (ROC-AUC, log loss):
#
# - logreg: scikit-learn's LogisticRegression (lbfgs, the same C);
# - gbdt: LightGBM and XGBoost (hist, leaf-wise) with the same parameters (benchmarks/classify_trees.py
#   maps cinemesh's flags, LightGBM's names, to each library's);
# - forest: scikit-learn's RandomForestClassifier with the same parameters.
#
#   benchmarks/classify.sh [DATA=../shared/data/ml-100k] [C=1.0]
#   benchmarks/classify.sh 1000000     # a number: that many generated ratings (seed 3)
#   benchmarks/classify.sh --smoke     # 5,000 generated ratings (benchmarks/common.sh)
#
# Environment: MODELS (default "logreg gbdt forest"), ROUNDS (fits per tool; the fit time printed
# is their median; default 1), THREADS (the tree fits' threads, default 2), GBDT_FLAGS and
# FOREST_FLAGS (the tree parameters, as `cinemesh classify` takes them; defaults below).
# cinemesh's time for the trees is its fit alone (binning included: its JSON's fitSeconds).
# The Python peers come from PyPI into benchmarks/.venv (skipped with a message when they cannot).
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/common.sh
data=${1:-../shared/data/ml-100k}
c=${2:-1.0}
work=$work/classify
mkdir -p "$work"
cinemesh_binary
models=${MODELS:-logreg gbdt forest}
rounds=${ROUNDS:-1}
threads=${THREADS:-2}
gbdt_flags=${GBDT_FLAGS:---num-iterations 100 --learning-rate 0.1 --num-leaves 31 --min-data-in-leaf 20 --max-bin 255}
forest_flags=${FOREST_FLAGS:---num-trees 100 --min-data-in-leaf 1}
if [ -n "$smoke" ]; then
  data=$work/generated
  "$bin" generate --ratings 5000 --seed 3 --csv "$data" --force >/dev/null
  gbdt_flags="--num-iterations 20 --early-stopping-round 5"
  forest_flags="--num-trees 10 --num-leaves 64"
elif [[ $data =~ ^[0-9]+$ ]]; then
  generated=$work/generated-$data
  [ -f "$generated/manifest.json" ] || "$bin" generate --ratings "$data" --seed 3 --dataset "$generated" --force >/dev/null
  data=$generated
fi
if [ -f "$data/manifest.json" ]; then
  dataset=$data
else
  "$bin" ingest "$data" --out "$work/dataset" --force >/dev/null
  dataset=$work/dataset
fi
"$bin" features "$dataset" --out "$work/features.npy" --force
echo "| tool | model | ROC-AUC | log loss | seconds | iterations |"
echo "|---|---|---|---|---|---|"
if [[ " $models " == *" logreg "* ]]; then
  start=$EPOCHREALTIME
  "$bin" classify "$dataset" --model logreg --c "$c" --json > "$work/cinemesh.json"
  python3 - "$work/cinemesh.json" "$start" "$EPOCHREALTIME" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
seconds = float(sys.argv[3]) - float(sys.argv[2])
print(f"| cinemesh | logreg | {r['auc']:.4f} | {r['logLoss']:.4f} | {seconds:.3f} (features, fit and scoring) | {r['iterations']} Newton steps |")
PY
  cat > "$work/sklearn_run.py" <<'PY'
import sys, time
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score, log_loss
a = np.load(sys.argv[1]).astype(np.float64)
y, test, X = a[:, 0], a[:, 1] == 1, a[:, 2:]
for tol in (1e-4, 1e-10):
    start = time.time()
    m = LogisticRegression(C=float(sys.argv[2]), max_iter=100000, tol=tol).fit(X[~test], y[~test])
    fit = time.time() - start
    p = m.predict_proba(X[test])[:, 1]
    print(f"| scikit-learn | LogisticRegression lbfgs, tol {tol:g} | {roc_auc_score(y[test], p):.4f} | {log_loss(y[test], p):.4f} | {fit:.3f} (fit) | {m.n_iter_[0]} iterations |")
PY
  if python_peer sklearn scikit-learn; then
    benchmarks/.venv/bin/python "$work/sklearn_run.py" "$work/features.npy" "$c"
  fi
fi

# The tree models: cinemesh ROUNDS times (the same model each time: it is seeded), then the peers.
for model in gbdt forest; do
  [[ " $models " == *" $model "* ]] || continue
  flags=$gbdt_flags
  [ "$model" = forest ] && flags=$forest_flags
  for round in $(seq "$rounds"); do
    # shellcheck disable=SC2086  # the flags are words
    "$bin" classify "$dataset" --model "$model" $flags --num-threads "$threads" --json > "$work/cinemesh-$model-$round.json"
  done
  python3 - "$work"/cinemesh-"$model"-*.json <<'PY'
import json, statistics, sys
reports = [json.load(open(f)) for f in sys.argv[1:]]
r = reports[0]
seconds = statistics.median(x["fitSeconds"] for x in reports)
print(f"| cinemesh, {r['threads']} threads | {r['model']} | {r['auc']:.4f} | {r['logLoss']:.4f} | {seconds:.3f} | {r['iterations']} |")
PY
  rm -f "$work"/cinemesh-"$model"-*.json
  peers=()
  if [ "$model" = gbdt ]; then
    python_peer lightgbm lightgbm && peers+=(lightgbm)
    python_peer xgboost xgboost && peers+=(xgboost)
  else
    python_peer sklearn scikit-learn && peers+=(sklearn)
  fi
  if [ ${#peers[@]} -gt 0 ]; then
    # shellcheck disable=SC2086
    benchmarks/.venv/bin/python benchmarks/classify_trees.py "$work/features.npy" --model "$model" --rounds "$rounds" \
      --threads "$threads" --tools "$(IFS=,; echo "${peers[*]}")" $flags
  fi
done
