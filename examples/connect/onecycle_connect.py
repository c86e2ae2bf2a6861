"""A Spark Connect client fitting onecycle-spark's OneCycleClassifier through Spark 4's Connect ML.

The server finds the estimator by its class name among the ServiceLoader-registered ones
(META-INF/services/org.apache.spark.ml.Estimator in the onecycle-spark jar); the client sends the class name,
the uid and the Params it set (pyspark.ml's try_remote_fit). Needs pyspark-client (or pyspark[connect]) 4.0.x.
"""
import sys

from pyspark.ml.classification import _JavaProbabilisticClassifier, _JavaProbabilisticClassificationModel
from pyspark.ml.param import Param, Params, TypeConverters


class OneCycleClassificationModel(_JavaProbabilisticClassificationModel):
    pass


class OneCycleClassifier(_JavaProbabilisticClassifier):
    lrMax = Param(Params._dummy(), "lrMax", "peak learning rate of the cycle", TypeConverters.toFloat)
    totEpochs = Param(Params._dummy(), "totEpochs", "epochs of the whole cycle", TypeConverters.toInt)
    hidden = Param(Params._dummy(), "hidden", "hidden layer width of the default MLP", TypeConverters.toInt)
    workers = Param(Params._dummy(), "workers", "data-parallel workers", TypeConverters.toInt)
    batchSize = Param(Params._dummy(), "batchSize", "minibatch size per worker", TypeConverters.toInt)
    seed = Param(Params._dummy(), "seed", "random seed", TypeConverters.toInt)

    def __init__(self, **params):
        super().__init__()
        self._java_obj = self._new_java_obj("dev.onecycle.ml.OneCycleClassifier", self.uid)
        self._set(**params)

    def _create_model(self, java_model):
        return OneCycleClassificationModel(java_model)


def main(url):
    from pyspark.ml.evaluation import MulticlassClassificationEvaluator
    from pyspark.ml.linalg import Vectors
    from pyspark.sql import SparkSession
    import random

    spark = SparkSession.builder.remote(url).getOrCreate()
    print("client: Spark Connect server", url, "Spark", spark.version)
    rnd = random.Random(7)
    rows = []
    for i in range(300):
        label = i % 3
        rows.append((Vectors.dense([3.0 * ((j % 3) == label) + rnd.gauss(0, 1) for j in range(8)]), float(label)))
    df = spark.createDataFrame(rows, ["features", "label"])
    est = OneCycleClassifier(lrMax=0.05, totEpochs=2, hidden=16, workers=2, batchSize=16, seed=42)
    model = est.fit(df)
    predictions = model.transform(df)
    accuracy = MulticlassClassificationEvaluator(metricName="accuracy").evaluate(predictions)
    print("client: fitted", type(model).__name__, "numClasses", model.numClasses, "accuracy %.3f" % accuracy)
    predictions.select("label", "prediction", "probability").show(3, truncate=False)
    spark.stop()
    return 0 if accuracy > 0.9 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "sc://localhost:15002"))
