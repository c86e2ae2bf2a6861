"""onecycle-spark for PySpark: ``from onecycle_spark import OneCycleClassifier``.

    import onecycle_spark
    spark = onecycle_spark.session(master="local[2]")        # or .config("spark.jars", onecycle_spark.jar_path())
    oc = onecycle_spark.OneCycleClassifier(lrMax=0.05, totEpochs=3, workers=2)
    model = oc.fit(train)
"""

from ._errors import ClassicModeRequiredError, OneCycleInputError
from ._jars import JarNotFoundError, SparkLineMismatchError, find_build, jar_list, jar_path
from .classification import LrFindResult, OneCycleClassificationModel, OneCycleClassifier, TrainingSummary

__version__ = "0.1.0"

_CLASSES = ("OneCycleClassifier", "OneCycleClassificationModel", "TrainingSummary", "LrFindResult")


def session(master=None, app_name="onecycle-spark", conf=None, **options):
    """A SparkSession with the onecycle-spark jars on its classpath (Spark NLP's ``sparknlp.start()`` pattern).

    ``conf``: Spark settings by their keys ({"spark.executor.memory": "4g"}); ``options``: the same with dots
    written as underscores and ``spark.`` left out (``driver_memory="4g"``).  A ``spark.jars`` given is kept,
    the project's jars added after it.  Refuses a running session that lacks the jars (stop it first), and a
    jar of another Spark line than this pyspark's.
    """
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    settings = dict(conf or {})
    for k, v in options.items():
        key = k.replace("_", ".")
        settings[key if key.startswith("spark.") else "spark." + key] = v
    jars = jar_path()
    if settings.get("spark.jars"):
        jars = settings["spark.jars"] + "," + jars
    settings["spark.jars"] = jars
    active = SparkContext._active_spark_context
    if active is not None:
        have = active.getConf().get("spark.jars", "")
        if jar_list()[0] not in have.split(","):
            raise RuntimeError("a SparkSession without the onecycle-spark jars is already running: stop it "
                               "(spark.stop()) before onecycle_spark.session(), or start it with "
                               "config('spark.jars', onecycle_spark.jar_path())")
    builder = SparkSession.builder.appName(app_name)
    if master is not None:
        builder = builder.master(master)
    for k, v in settings.items():
        builder = builder.config(k, str(v) if not isinstance(v, str) else v)
    return builder.getOrCreate()


__all__ = ["session", "jar_path", "jar_list", "find_build", "OneCycleInputError", "ClassicModeRequiredError",
           "JarNotFoundError", "SparkLineMismatchError", *_CLASSES]
