"""Writes test/unit/bench/sklearn-split.fixture.json: what scikit-learn's StratifiedShuffleSplit gives.

Run from the repository root with Debian's scikit-learn 1.2.1 / numpy 1.24.2 (the versions that made
shared/reference/sklearn-baseline.json):

    /usr/bin/python3 bench/tools/sklearn_split_fixture.py [--shared ../shared] [--out PATH]

For every data set it records StratifiedShuffleSplit(n_splits=1, test_size, random_state).split(X, y):
the sizes, the first 20 train / test indices, and for the full arrays (in order) their sum and an
FNV-1a hash (32-bit; each index folded in as one unsigned 32-bit word:
h = ((h ^ index) * 16777619) mod 2**32, starting from 2166136261). Large index arrays are not committed.

Two kinds of data set:
  * "csv": a CSV in the shared folder (path relative to it) and its label column;
  * "labels": a small synthetic label list, stored in the fixture, with its full expected arrays
    (these exercise several classes, odd label values, ties in _approximate_mode, other seeds and an
    integer test size).
"""
import argparse
import csv
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.model_selection import StratifiedShuffleSplit

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OUT = os.path.join(REPO, "test", "unit", "bench", "sklearn-split.fixture.json")
HEAD = 20

CSV_SETS = [
    ("moons_200", "reference/data/moons_200.csv", "label"),
    ("moons_500", "reference/data/moons_500.csv", "label"),
    ("moons_1000", "reference/data/moons_1000.csv", "label"),
    ("moons_2000", "reference/data/moons_2000.csv", "label"),
    ("ai4i_like_1000", "reference/data/ai4i_like_1000.csv", "label"),
    ("ai4i_like_2000", "reference/data/ai4i_like_2000.csv", "label"),
    ("ai4i_like_4000", "reference/data/ai4i_like_4000.csv", "label"),
    ("ai4i2020", "datasets/ai4i2020.csv", "Machine failure"),
]


def synthetic_sets():
    """Small label lists with known quirks; deterministic, so the fixture is reproducible."""
    return [
        # 3 classes, 7 rows each: 21 * 0.7 = 14.7 -> every class has left-over 0.9 -> tie broken by rng.
        {"name": "three_equal_classes", "labels": [i % 3 for i in range(21)], "test_size": 0.3, "random_state": 99},
        # 5 classes of unequal sizes, unsorted non-integer label values, another seed.
        {
            "name": "five_odd_labels",
            "labels": [[-1.0, 2.5, 7.0, 0.0, 3.0][(i * 7 + i // 3) % 5] for i in range(47)],
            "test_size": 0.25,
            "random_state": 12345,
        },
        # Two equal classes with n_train odd: 0.5 / 0.5 left-over tie; an integer test size.
        {"name": "balanced_tie_int_test", "labels": [0] * 9 + [1] * 9, "test_size": 7, "random_state": 0},
        # Imbalanced (a minority class of 3), large seed.
        {"name": "imbalanced_big_seed", "labels": [1 if i % 11 == 4 else 0 for i in range(33)], "test_size": 0.3, "random_state": 4294967295},
    ]


def fnv1a32(values):
    h = 2166136261
    for v in values:
        h = ((h ^ int(v)) * 16777619) & 0xFFFFFFFF
    return h


def split(y, test_size, random_state):
    sss = StratifiedShuffleSplit(n_splits=1, test_size=test_size, random_state=random_state)
    train, test = next(sss.split(np.zeros((len(y), 1)), y))
    return [int(i) for i in train], [int(i) for i in test]


def summary(indices):
    return {"length": len(indices), "head": indices[:HEAD], "sum": int(sum(indices)), "fnv1a32": fnv1a32(indices)}


def read_labels(path, label):
    # utf-8-sig: ai4i2020.csv starts with a byte-order mark.
    with open(path, newline="", encoding="utf-8-sig") as f:
        return np.array([float(row[label]) for row in csv.DictReader(f)], dtype=np.float64)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_shared = os.environ.get("PROGNOS_SHARED_DIR") or os.path.join(os.path.dirname(REPO), "shared")
    parser.add_argument("--shared", default=default_shared, help="the shared folder (default: %(default)s)")
    parser.add_argument("--out", default=DEFAULT_OUT, help="fixture path (default: %(default)s)")
    args = parser.parse_args()

    if sklearn.__version__ != "1.2.1":
        print(f"warning: scikit-learn {sklearn.__version__}, the baseline used 1.2.1", file=sys.stderr)

    test_size, random_state = 0.3, 99
    csv_cases = []
    for name, rel, label in CSV_SETS:
        path = os.path.join(args.shared, rel)
        if not os.path.exists(path):
            sys.exit(f"missing {path}")
        y = read_labels(path, label)
        train, test = split(y, test_size, random_state)
        csv_cases.append(
            {
                "name": name,
                "csv": rel,
                "label": label,
                "n_rows": int(len(y)),
                "test_size": test_size,
                "random_state": random_state,
                "train": summary(train),
                "test": summary(test),
            }
        )

    label_cases = []
    for case in synthetic_sets():
        train, test = split(np.array(case["labels"], dtype=np.float64), case["test_size"], case["random_state"])
        label_cases.append({**case, "train_idx": train, "test_idx": test})

    fixture = {
        "generator": "bench/tools/sklearn_split_fixture.py",
        "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__},
        "method": "StratifiedShuffleSplit(n_splits=1, test_size, random_state).split(X, y)",
        "hash": "fnv1a32: h = 2166136261; for each index: h = ((h ^ index) * 16777619) mod 2**32",
        "csv_cases": csv_cases,
        "label_cases": label_cases,
    }
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(f"wrote {args.out}: {len(csv_cases)} CSV cases, {len(label_cases)} label cases")


if __name__ == "__main__":
    main()
