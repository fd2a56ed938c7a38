"""The tree models' peers on the features `cinemesh features` exported: LightGBM and XGBoost
(hist, leaf-wise) for `classify --model gbdt`, scikit-learn's RandomForestClassifier for
`--model forest`, each given the parameters cinemesh was given (the same flags, mapped to each
library's names), fitted on the same training rows and scored on the same held-out rows.

    python classify_trees.py FEATURES.npy --model gbdt|forest [--rounds R] [--threads T] [cinemesh's tree flags]

With --early-stopping-round K the validation rows are cinemesh's (GradientBoosting.validationCut:
the k-th training row is held out when floor((k + 1) f) > floor(k f)). Fit time is the median
of --rounds fits and includes building each library's dataset (its binning), as cinemesh's
fitSeconds includes its binning. Prints Markdown table rows.
"""
import argparse
import statistics
import sys
import time

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

ap = argparse.ArgumentParser()
ap.add_argument("npy")
ap.add_argument("--model", choices=["gbdt", "forest"], required=True)
ap.add_argument("--rounds", type=int, default=1)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--tools", default="lightgbm,xgboost")
ap.add_argument("--num-iterations", type=int)
ap.add_argument("--num-trees", type=int)
ap.add_argument("--learning-rate", type=float, default=0.1)
ap.add_argument("--num-leaves", type=int)
ap.add_argument("--max-depth", type=int, default=-1)
ap.add_argument("--min-data-in-leaf", type=int)
ap.add_argument("--min-child-weight", "--min-sum-hessian-in-leaf", type=float)
ap.add_argument("--lambda-l2", type=float, default=0.0)
ap.add_argument("--min-gain-to-split", type=float, default=0.0)
ap.add_argument("--bagging-fraction", type=float, default=1.0)
ap.add_argument("--bagging-freq", type=int, default=0)
ap.add_argument("--feature-fraction", type=float)
ap.add_argument("--max-bin", type=int, default=255)
ap.add_argument("--early-stopping-round", type=int, default=0)
ap.add_argument("--validation-fraction", type=float, default=0.1)
ap.add_argument("--seed", type=int, default=0)
args = ap.parse_args()

a = np.load(args.npy)
y, test, X = a[:, 0].astype(np.float64), a[:, 1] == 1, a[:, 2:]
train = np.flatnonzero(~test)
validation = np.array([], dtype=np.int64)
if args.model == "gbdt" and args.early_stopping_round > 0:
    k = np.arange(len(train), dtype=np.float64)
    held = np.floor((k + 1) * args.validation_fraction) > np.floor(k * args.validation_fraction)
    train, validation = train[~held], train[held]
Xt, yt, Xv, yv, Xtest, ytest = X[train], y[train], X[validation], y[validation], X[test], y[test]


def row(tool, model, p, seconds, trees):
    print(f"| {tool} | {model} | {roc_auc_score(ytest, p):.4f} | {log_loss(ytest, p):.4f} | {statistics.median(seconds):.3f} | {trees} |")


def timed(fit):
    seconds, result = [], None
    for _ in range(args.rounds):
        start = time.perf_counter()
        result = fit()
        seconds.append(time.perf_counter() - start)
    return result, seconds


tools = args.tools.split(",")
if args.model == "gbdt":
    iterations = args.num_iterations or 100
    leaves = args.num_leaves or 31
    min_data = 20 if args.min_data_in_leaf is None else args.min_data_in_leaf
    min_hessian = 1e-3 if args.min_child_weight is None else args.min_child_weight
    fraction = args.feature_fraction or 1.0
    stop = args.early_stopping_round
    if "lightgbm" in tools:
        try:
            import lightgbm as lgb
        except ImportError:
            print("skipping LightGBM: not installed", file=sys.stderr)
        else:
            params = dict(objective="binary", num_leaves=leaves, max_depth=args.max_depth, learning_rate=args.learning_rate,
                          min_data_in_leaf=min_data, min_sum_hessian_in_leaf=min_hessian, lambda_l2=args.lambda_l2,
                          min_gain_to_split=args.min_gain_to_split, bagging_fraction=args.bagging_fraction,
                          bagging_freq=args.bagging_freq, feature_fraction=fraction, max_bin=args.max_bin,
                          num_threads=args.threads, seed=args.seed, verbose=-1)

            def fit():
                data = lgb.Dataset(Xt, yt, params={"max_bin": args.max_bin, "verbose": -1})
                if stop > 0:
                    valid = lgb.Dataset(Xv, yv, reference=data)
                    return lgb.train(params, data, iterations, valid_sets=[valid],
                                     callbacks=[lgb.early_stopping(stop, first_metric_only=True, verbose=False)])
                return lgb.train(params, data, iterations)

            booster, seconds = timed(fit)
            best = booster.best_iteration if stop > 0 else iterations
            row(f"LightGBM {lgb.__version__}, {args.threads} threads", "gbdt", booster.predict(Xtest, num_iteration=best), seconds, best)
    if "xgboost" in tools:
        try:
            import xgboost as xgb
        except ImportError:
            print("skipping XGBoost: not installed", file=sys.stderr)
        else:
            params = dict(objective="binary:logistic", eval_metric="logloss", tree_method="hist", grow_policy="lossguide",
                          max_leaves=leaves, max_depth=0 if args.max_depth < 0 else args.max_depth, eta=args.learning_rate,
                          min_child_weight=min_hessian, reg_lambda=args.lambda_l2, gamma=args.min_gain_to_split,
                          max_bin=args.max_bin, subsample=args.bagging_fraction, colsample_bytree=fraction,
                          nthread=args.threads, seed=args.seed)

            def fit():
                data = xgb.QuantileDMatrix(Xt, yt, max_bin=args.max_bin)
                if stop > 0:
                    valid = xgb.DMatrix(Xv, yv)
                    return xgb.train(params, data, iterations, evals=[(valid, "valid")], early_stopping_rounds=stop, verbose_eval=False)
                return xgb.train(params, data, iterations)

            booster, seconds = timed(fit)
            best = booster.best_iteration + 1 if stop > 0 else iterations
            p = booster.predict(xgb.DMatrix(Xtest), iteration_range=(0, best))
            row(f"XGBoost {xgb.__version__}, {args.threads} threads", "hist, lossguide (no min_data_in_leaf)", p, seconds, best)
else:
    import sklearn
    from sklearn.ensemble import RandomForestClassifier
    leaves = None if args.num_leaves in (None, -1) else args.num_leaves
    trees = args.num_trees or args.num_iterations or 100
    forest = RandomForestClassifier(
        n_estimators=trees, max_features=args.feature_fraction or "sqrt", min_samples_leaf=args.min_data_in_leaf or 1,
        max_leaf_nodes=leaves, max_depth=None if args.max_depth < 0 else args.max_depth,
        max_samples=None if args.bagging_fraction >= 1 else args.bagging_fraction, n_jobs=args.threads, random_state=args.seed)
    model, seconds = timed(lambda: forest.fit(Xt, yt))
    row(f"scikit-learn {sklearn.__version__}, {args.threads} threads", "RandomForestClassifier", model.predict_proba(Xtest)[:, 1], seconds, trees)
