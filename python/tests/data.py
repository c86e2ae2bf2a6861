"""Rows of the Fashion-MNIST sample the project ships (src/main/resources), read in Python from its idx files."""

import gzip
import struct
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[2] / "src/main/resources/dev/onecycle/data/fashion-mnist"


def _read(name):
    with gzip.open(SAMPLE / name, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def rows(start, stop, pixels_every=1):
    """[(features list scaled to [0, 1], label float)] for images start..stop-1; every n-th pixel when asked."""
    (n, h, w), images = _read("t10k-images-idx3-ubyte.gz")
    _, labels = _read("t10k-labels-idx1-ubyte.gz")
    size = h * w
    out = []
    for i in range(start, min(stop, n)):
        img = images[i * size:(i + 1) * size]
        out.append(([img[j] / 255.0 for j in range(0, size, pixels_every)], float(labels[i])))
    return out


def frame(spark, start, stop, pixels_every=1):
    """A DataFrame of (features: Vector, label: double)."""
    from pyspark.ml.linalg import Vectors

    data = [(Vectors.dense(x), y) for x, y in rows(start, stop, pixels_every)]
    return spark.createDataFrame(data, ["features", "label"])
