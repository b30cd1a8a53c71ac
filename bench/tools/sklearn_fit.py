"""scikit-learn's GaussianProcessClassifier on one CSV, for `npm run bench -- --generated ...`.

Usage: /usr/bin/python3 bench/tools/sklearn_fit.py DATA.csv LABEL_COLUMN
Prints one JSON line: fit wall and CPU seconds, the fitted kernel, log marginal likelihood,
ROC AUC and AP on the test split, and the rows, on the protocol of
../shared/reference/tools/sklearn_gpc.py (StratifiedShuffleSplit(test_size=0.3,
random_state=99), StandardScaler on the training rows, GaussianProcessClassifier(1.0 * RBF(1.0),
random_state=0, n_restarts_optimizer=0)). The bench sets OPENBLAS_CORETYPE=SkylakeX (the
fastest peer) and the thread count. CPU seconds are process-wide (every OpenBLAS thread,
including its spin-waits).
"""
import json
import resource
import sys
import time
import warnings

import numpy as np
from sklearn.gaussian_process import GaussianProcessClassifier, _gpc
from sklearn.gaussian_process.kernels import RBF, ConstantKernel
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.preprocessing import StandardScaler


def main(path, label):
    with open(path) as f:
        header = f.readline().strip().split(",")
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    column = header.index(label)
    y = data[:, column].astype(int)
    X = np.delete(data, column, axis=1)
    train, test = next(StratifiedShuffleSplit(n_splits=1, test_size=0.3, random_state=99).split(X, y))
    scaler = StandardScaler().fit(X[train])
    # Count the factorisations (= Newton steps, plus the final mode search): work that a busy
    # machine does not change, unlike the seconds.
    calls = {"cholesky": 0}
    cholesky = _gpc.cholesky

    def counted(*args, **kwargs):
        calls["cholesky"] += 1
        return cholesky(*args, **kwargs)

    _gpc.cholesky = counted
    model = GaussianProcessClassifier(kernel=ConstantKernel(1.0) * RBF(1.0), random_state=0, n_restarts_optimizer=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wall, cpu = time.perf_counter(), time.process_time()
        model.fit(scaler.transform(X[train]), y[train])
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    proba = model.predict_proba(scaler.transform(X[test]))[:, 1]
    print(json.dumps({
        "n_train": int(len(train)),
        "fit_s": wall,
        "fit_cpu_s": cpu,
        "lml_opt": float(model.log_marginal_likelihood_value_),
        "cholesky_n": calls["cholesky"],
        "theta_opt": [float(v) for v in model.kernel_.theta],
        "roc_auc": float(roc_auc_score(y[test], proba)),
        "average_precision": float(average_precision_score(y[test], proba)),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
