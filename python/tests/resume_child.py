"""A Python driver fitting with checkpointDir (test_resume kills it): python resume_child.py CHECKPOINT_DIR."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from conftest import SPARK_CONF  # noqa: E402
from data import frame  # noqa: E402
import onecycle_spark  # noqa: E402
from test_resume import estimator, ROWS  # noqa: E402

spark = onecycle_spark.session(master="local[2]", app_name="resume-child", conf=SPARK_CONF)
spark.sparkContext.setLogLevel("ERROR")
print("started", flush=True)
model = estimator().setCheckpointDir(sys.argv[1]).fit(frame(spark, 0, ROWS, pixels_every=4))
print("fitted", flush=True)
spark.stop()
