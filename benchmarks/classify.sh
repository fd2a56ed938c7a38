#!/usr/bin/env bash
# The like/dislike classifier against scikit-learn on the very same features: `cinemesh features`
# exports them (float32 .npy, docs/FEATURES.md), scikit-learn's LogisticRegression (lbfgs, the
# same C) fits the training rows, and both are scored on the held-out rows (ROC-AUC, log loss),
# next to `cinemesh classify --model logreg` on the same split.
#
#   benchmarks/classify.sh [DATA=../shared/data/ml-100k] [C=1.0]
#   benchmarks/classify.sh --smoke     # 5,000 generated ratings (benchmarks/common.sh)
#
# scikit-learn comes from PyPI into benchmarks/.venv (skipped with a message when it cannot).
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/common.sh
data=${1:-../shared/data/ml-100k}
c=${2:-1.0}
work=$work/classify
mkdir -p "$work"
cinemesh_binary
if [ -n "$smoke" ]; then
  data=$work/generated
  "$bin" generate --ratings 5000 --seed 3 --csv "$data" --force >/dev/null
fi
"$bin" ingest "$data" --out "$work/dataset" --force >/dev/null
"$bin" features "$work/dataset" --out "$work/features.npy" --force
start=$EPOCHREALTIME
"$bin" classify "$work/dataset" --model logreg --c "$c" --json > "$work/cinemesh.json"
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
