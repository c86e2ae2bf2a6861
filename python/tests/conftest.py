"""One real local[2] SparkSession for the suite, started by onecycle_spark.session(), and small data."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")

import onecycle_spark  # noqa: E402
from data import frame  # noqa: E402

SPARK_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.driver.memory": "2g",
    "spark.driver.host": "127.0.0.1",
}


@pytest.fixture(scope="session")
def spark():
    s = onecycle_spark.session(master="local[2]", app_name="onecycle-python-tests", conf=SPARK_CONF)
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def jvm(spark):
    return spark.sparkContext._jvm


@pytest.fixture(scope="session")
def train(spark):
    """300 images, every 4th pixel (196 features), labels 0..9."""
    return frame(spark, 0, 300, pixels_every=4).cache()


@pytest.fixture(scope="session")
def test_frame(spark):
    return frame(spark, 6000, 6150, pixels_every=4).cache()


def small(**extra):
    """A tiny network and few steps: 300 rows over 2 workers in batches of 15 give 10 steps per epoch."""
    params = dict(hidden=16, batchSize=15, workers=2, totEpochs=2, lrMax=0.1, averagingFrequency=5)
    params.update(extra)
    return onecycle_spark.OneCycleClassifier(**params)


@pytest.fixture(scope="session")
def fitted(train):
    """One fitted model the read-only tests share."""
    return small().fit(train)


def params_sha(model):
    """The SHA-256 of the model's network parameters (the JVM's bitwise fingerprint)."""
    return model._java_obj.network().paramsSha256()
