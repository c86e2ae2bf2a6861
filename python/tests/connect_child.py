"""A Spark Connect client (pyspark 4, a local Spark Connect server with the project's jars) using the classes:
python connect_child.py  -> prints one line per check (test_connect reads them)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import onecycle_spark  # noqa: E402
from data import rows  # noqa: E402
from pyspark.ml.linalg import Vectors  # noqa: E402
from pyspark.sql import SparkSession  # noqa: E402

spark = (SparkSession.builder.remote("local[2]").config("spark.jars", onecycle_spark.jar_path())
         .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate())
print("SESSION", type(spark).__module__, flush=True)
df = spark.createDataFrame([(Vectors.dense(x), y) for x, y in rows(0, 100, 4)], ["features", "label"])
est = onecycle_spark.OneCycleClassifier(hidden=8, batchSize=10, workers=2, totEpochs=1)
model = est.fit(df)
out = model.transform(df)
print("COLUMNS", ",".join(sorted(out.columns)), flush=True)
print("PREDICTIONS", out.count(), flush=True)
try:
    est.fit(df.withColumnRenamed("label", "y"))
except onecycle_spark.OneCycleInputError as e:
    print("INPUT_ERROR", str(e).replace("\n", " "), flush=True)
except Exception as e:
    print("OTHER_ERROR", type(e).__module__, type(e).__name__, str(e).replace("\n", " ")[:500], flush=True)
for what, call in [("find_lr", lambda: est.find_lr(df)), ("summary", lambda: model.summary),
                   ("save", lambda: model.write())]:
    try:
        call()
        print("NOT_REFUSED", what, flush=True)
    except onecycle_spark.ClassicModeRequiredError as e:
        print("REFUSED", what, str(e), flush=True)
spark.stop()
