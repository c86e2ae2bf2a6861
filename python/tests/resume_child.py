"""A Python driver fitting with checkpointDir (test_resume kills it): python resume_child.py CHECKPOINT_DIR.

Its session is a user's plain one: SparkSession.builder with spark.jars = onecycle_spark.jar_path()."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from conftest import SPARK_CONF  # noqa: E402
from data import frame  # noqa: E402
import onecycle_spark  # noqa: E402
from test_resume import estimator, ROWS  # noqa: E402

from pyspark.sql import SparkSession  # noqa: E402

builder = SparkSession.builder.master("local[2]").appName("resume-child").config("spark.jars", onecycle_spark.jar_path())
for k, v in SPARK_CONF.items():
    builder = builder.config(k, v)
spark = builder.getOrCreate()
spark.sparkContext.setLogLevel("ERROR")
print("started", flush=True)
model = estimator().setCheckpointDir(sys.argv[1]).fit(frame(spark, 0, ROWS, pixels_every=4))
print("fitted", flush=True)
spark.stop()
