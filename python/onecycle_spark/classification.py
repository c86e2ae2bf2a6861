"""OneCycleClassifier / OneCycleClassificationModel: PySpark wrappers of the JVM estimator and model.

The Params beyond pyspark's own classifier Params (featuresCol, labelCol, ...) come from ``_params.PARAMS``, which
is generated from the JVM's Params (themselves made from the one declaration of settings); ``setX``/``getX``
are made from the same table.
"""

import sys
import types

from pyspark import keyword_only
from pyspark.ml.classification import (
    _JavaProbabilisticClassificationModel as JavaProbabilisticClassificationModel,
    _JavaProbabilisticClassifier as JavaProbabilisticClassifier,
    _ProbabilisticClassifierParams,
)
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.util import JavaMLReadable, JavaMLReader, JavaMLWritable

from ._errors import ClassicModeRequiredError, OneCycleInputError, jvm_errors
from ._params import PARAMS

JVM_ESTIMATOR = "dev.onecycle.ml.OneCycleClassifier"
JVM_MODEL = "dev.onecycle.ml.OneCycleClassificationModel"


def _connect_ml():
    """True where pyspark runs Java ML stages over Spark Connect (pyspark 4's Connect ML; 3.5 has none)."""
    import pyspark

    return int(pyspark.__version__.split(".")[0]) >= 4


def _remote():
    try:
        from pyspark.sql.utils import is_remote
    except ImportError:  # pragma: no cover - pyspark without Spark Connect support
        return False
    return is_remote()


def _require_classic(what, connect_ok=False):
    """Refuses what a Spark Connect session cannot run: everything on pyspark 3.5; on pyspark 4 (Connect ML:
    construct, set Params, fit, transform) whatever reads JVM objects directly (find_lr, summary, save/load)."""
    from pyspark import SparkContext

    if _remote() or SparkContext._active_spark_context is None and _active_connect_session():
        if connect_ok and _connect_ml():
            return
        need = "" if _connect_ml() else " (pyspark 4's Spark Connect ML runs fit/transform; this is pyspark 3.5)"
        raise ClassicModeRequiredError(
            f"{what} needs a classic Spark session (py4j to the driver JVM){need}; this is a Spark Connect (sc://) "
            "session: start one with onecycle_spark.session() or SparkSession.builder.master(...) instead of .remote()")
    if SparkContext._active_spark_context is None:
        raise RuntimeError(f"{what} needs an active SparkSession: start one with onecycle_spark.session(...) first")
    jvm = SparkContext._active_spark_context._jvm
    try:
        jvm.java.lang.Class.forName(JVM_ESTIMATOR, False, jvm.java.lang.Thread.currentThread().getContextClassLoader())
    except Exception:
        raise RuntimeError(
            f"{what}: the onecycle-spark jars are not on this session's classpath: start the session with "
            "onecycle_spark.session(...) or SparkSession.builder.config('spark.jars', onecycle_spark.jar_path())"
        ) from None


def _active_connect_session():
    try:
        from pyspark.sql import SparkSession

        s = SparkSession.getActiveSession()
    except Exception:
        return False
    return s is not None and type(s).__module__.startswith("pyspark.sql.connect")


def _check_frame(df, what, connect_ok=True):
    if type(df).__module__.startswith("pyspark.sql.connect") and not (connect_ok and _connect_ml()):
        raise ClassicModeRequiredError(
            f"{what} needs a classic Spark DataFrame; this one is from a Spark Connect (sc://) session")


def _to_model(value):
    """The initialModel Param's converter: a OneCycleClassificationModel (a JVM one is wrapped)."""
    if value is None or isinstance(value, OneCycleClassificationModel):
        return value
    try:
        from py4j.java_gateway import JavaObject

        if isinstance(value, JavaObject) and value.getClass().getName() == JVM_MODEL:
            return OneCycleClassificationModel(value)
    except ImportError:  # pragma: no cover
        pass
    raise TypeError(f"initialModel must be a OneCycleClassificationModel, got {type(value).__name__}")


def _converter(name):
    return _to_model if name == "model" else getattr(TypeConverters, name)


def _cap(name):
    return name[0].upper() + name[1:]


class _OneCycleClassifierParams(_ProbabilisticClassifierParams):
    """The estimator's own Params (declared below from ``PARAMS``), on top of pyspark's classifier Params."""


for _name, _doc, _conv, _has_default, _default in PARAMS:
    setattr(_OneCycleClassifierParams, _name, Param(Params._dummy(), _name, _doc, typeConverter=_converter(_conv)))


class _Reader(JavaMLReader):
    """Loads with the JVM class of the Python class (not pyspark's org.apache.spark naming)."""

    @classmethod
    def _java_loader_class(cls, clazz):
        return {OneCycleClassifier: JVM_ESTIMATOR, OneCycleClassificationModel: JVM_MODEL}[clazz]


class _Writable(JavaMLWritable):
    def write(self):
        _require_classic(f"{type(self).__name__}.write()/save()")
        return super().write()


class _Readable(JavaMLReadable):
    @classmethod
    def read(cls):
        _require_classic(f"{cls.__name__}.read()/load()")
        return _Reader(cls)


class OneCycleClassifier(JavaProbabilisticClassifier, _OneCycleClassifierParams, _Writable, _Readable):
    """Trains a DL4J network over (a slice of) one exact 1cycle: the JVM's ``dev.onecycle.ml.OneCycleClassifier``.

    Params are the JVM's, by their JVM names: ``OneCycleClassifier(lrMax=0.05, totEpochs=3, workers=2)``,
    ``setTotEpochs(20).setStartEpoch(8).setEpochs(12).setInitialModel(model8)``.  Every value is checked by the
    JVM when set; a bad one raises :class:`OneCycleInputError` naming the Param, the rule and the value.
    """

    _java_obj = None  # until __init__ made it (pyspark's __del__ reads it even when __init__ refused)

    @keyword_only
    def __init__(self, **kwargs):
        _require_classic("OneCycleClassifier", connect_ok=True)
        super().__init__()
        self._java_obj = self._new_java_obj(JVM_ESTIMATOR, self.uid)
        for name, _doc, _conv, has_default, default in PARAMS:
            if has_default:
                self._setDefault(**{name: default})
        self.setParams(**self._input_kwargs)

    @keyword_only
    def setParams(self, **kwargs):
        """Sets Params by their JVM names."""
        unknown = sorted(k for k in kwargs if not self.hasParam(k))
        if unknown:
            raise TypeError(f"OneCycleClassifier has no Param {', '.join(unknown)}; its Params: "
                            + ", ".join(sorted(p.name for p in self.params)))
        return self._set(**kwargs)

    def _set(self, **kwargs):
        # each value is checked by the JVM Param's own rule when set (a ParamPair validates, changing nothing)
        if not isinstance(getattr(self, "_java_obj", None), (type(None), str)):  # a JVM object (classic mode)
            for name, value in kwargs.items():
                if value is None:
                    continue
                p = self.getParam(name)
                try:
                    value = p.typeConverter(value)
                except TypeError as e:
                    raise TypeError(f'Invalid value for Param "{name}": {e}') from None
                with jvm_errors():
                    self._make_java_param_pair(p, value)
        return super()._set(**kwargs)

    def _make_java_param_pair(self, param, value):
        param = self._resolveParam(param)
        if param.name == "initialModel":
            return self._java_obj.getParam("initialModel").w(value._java_obj)
        return super()._make_java_param_pair(param, value)

    def setMomentum(self, max, base):
        """Both momenta (the JVM's setMomentum): ``max`` at the ends of the cycle, ``base`` at the peak lr."""
        return self._set(moms=[max, base])

    def _create_model(self, java_model):
        return OneCycleClassificationModel(java_model)

    def _fit(self, dataset):
        _check_frame(dataset, "OneCycleClassifier.fit")
        with jvm_errors():
            return super()._fit(dataset)

    def find_lr(self, dataset, start_lr=1e-7, end_lr=10.0, num_it=100, stop_div=True):
        """fastai's learning-rate range test (the JVM's ``findLr``) with this estimator's network and Params.

        Returns an :class:`LrFindResult`: ``curve`` (iteration, lr, loss, smoothed_loss; a pandas DataFrame when
        pandas is installed), ``suggestions`` ({name: lr}), ``auto`` (what ``lrMax=auto`` takes) and ``plot()``.
        Fits nothing.
        """
        _check_frame(dataset, "OneCycleClassifier.find_lr", connect_ok=False)
        _require_classic("OneCycleClassifier.find_lr")
        from pyspark import SparkContext

        jvm = SparkContext._active_spark_context._jvm
        with jvm_errors():
            self._transfer_params_to_java()
            rng = jvm.dev.onecycle.lrfind.LrRange(float(start_lr), float(end_lr), int(num_it), bool(stop_div))
            return LrFindResult._from_java(self._java_obj.findLr(dataset._jdf, rng))

    findLr = find_lr


def _make_accessors():
    for name, _doc, conv, _has_default, _default in PARAMS:
        def setter(self, value, _n=name):
            return self._set(**{_n: value})

        def getter(self, _n=name):
            p = self.getParam(_n)
            return self.getOrDefault(p) if self.isDefined(p) else None

        setter.__name__, getter.__name__ = "set" + _cap(name), "get" + _cap(name)
        setter.__doc__ = f"Sets the value of :py:attr:`{name}`."
        getter.__doc__ = f"Gets the value of :py:attr:`{name}` (None when unset and without default)."
        if not hasattr(OneCycleClassifier, setter.__name__):
            setattr(OneCycleClassifier, setter.__name__, setter)
        if not hasattr(OneCycleClassifier, getter.__name__):
            setattr(OneCycleClassifier, getter.__name__, getter)


_make_accessors()


class OneCycleClassificationModel(JavaProbabilisticClassificationModel, _Writable, _Readable):
    """A network trained by :class:`OneCycleClassifier` (the JVM's ``dev.onecycle.ml.OneCycleClassificationModel``)."""

    def _transform(self, dataset):
        _check_frame(dataset, "OneCycleClassificationModel.transform")
        with jvm_errors():
            return super()._transform(dataset)

    @property
    def hasSummary(self):
        """True when the model came from a fit in this session, or was saved with its summary."""
        _require_classic("OneCycleClassificationModel.hasSummary")
        return bool(self._java_obj.hasSummary())

    @property
    def summary(self):
        """The fit's :class:`TrainingSummary` (applied lr/momentum per step, per-epoch metrics)."""
        _require_classic("OneCycleClassificationModel.summary")
        if not self.hasSummary:
            raise RuntimeError(f"no training summary available for {self.uid}")
        s = self._java_obj.summary()
        return TrainingSummary(s.appliedScheduleCsv(), s.metricsCsv())


# Loading a saved Pipeline in Python maps each JVM stage class to a Python class by name
# (pyspark.ml.wrapper.JavaParams._from_java imports the JVM class's package as a Python module): give it one.
def _register_jvm_package():
    name = JVM_ESTIMATOR.rsplit(".", 1)[0]  # dev.onecycle.ml
    parts = name.split(".")
    for i in range(1, len(parts)):
        sys.modules.setdefault(".".join(parts[:i]), types.ModuleType(".".join(parts[:i])))
    mod = sys.modules.get(name) or types.ModuleType(name)
    mod.OneCycleClassifier = OneCycleClassifier
    mod.OneCycleClassificationModel = OneCycleClassificationModel
    sys.modules[name] = mod


_register_jvm_package()


def _parse_csv(text, types_by_column):
    lines = [l for l in text.split("\n") if l.strip()]
    header = lines[0].split(",")
    rows = []
    for line in lines[1:]:
        f = line.split(",")
        rows.append({h: types_by_column.get(h, str)(v) for h, v in zip(header, f)})
    return header, rows


def _frame(header, rows):
    try:
        import pandas as pd
    except ImportError:
        return rows
    return pd.DataFrame.from_records(rows, columns=header)


class TrainingSummary:
    """What a fit recorded, as Python values.

    ``applied_schedule``: one row per minibatch step and worker (iteration, epoch, lr, momentum, worker, round,
    score, device): the learning rate and momentum the updaters really applied.  ``epochs``: one row per epoch
    (epoch, iterations, train_loss, seconds).  Both are pandas DataFrames when pandas is installed, else lists of
    dicts.  ``applied_schedule_csv`` / ``metrics_csv`` are the JVM's CSVs, exact.
    """

    def __init__(self, applied_csv, metrics_csv):
        self.applied_schedule_csv = applied_csv
        self.metrics_csv = metrics_csv
        self._applied = _parse_csv(applied_csv, {"iteration": int, "epoch": int, "lr": float, "momentum": float,
                                                 "worker": int, "round": int, "score": float})
        self._epochs = _parse_csv(metrics_csv, {"epoch": int, "iterations": int, "train_loss": float,
                                                "seconds": float})

    @property
    def applied_schedule(self):
        return _frame(*self._applied)

    @property
    def epochs(self):
        return _frame(*self._epochs)

    @property
    def lr(self):
        """The applied learning rate of each step (worker 0's, or the only worker's), in step order."""
        return [r["lr"] for r in self._first_worker()]

    @property
    def momentum(self):
        return [r["momentum"] for r in self._first_worker()]

    @property
    def train_loss(self):
        return [r["train_loss"] for r in self._epochs[1]]

    def _first_worker(self):
        rows = self._applied[1]
        if not rows:
            return rows
        w = min(r["worker"] for r in rows)
        return sorted((r for r in rows if r["worker"] == w), key=lambda r: r["iteration"])

    def plot(self, ax=None):
        """The applied learning rate and momentum per step (matplotlib; returns the figure)."""
        from . import plotting

        return plotting.plot_schedule(self, ax=ax)


class LrFindResult:
    """A finished range test: ``curve`` (iteration, lr, loss, smoothed_loss), ``suggestions`` ({name: lr}),
    ``suggestion_points`` (name -> the curve point it was read from), ``auto`` (lr or None), ``stop_reason``,
    ``momentum``, ``text`` (the JVM's one-line summary)."""

    def __init__(self, rows, suggestions, suggestion_points, auto, stop_reason, momentum, text):
        self._rows = rows
        self.suggestions = suggestions
        self.suggestion_points = suggestion_points
        self.auto = auto
        self.stop_reason = stop_reason
        self.momentum = momentum
        self.text = text

    @classmethod
    def _from_java(cls, r):
        rows = [{"iteration": int(p.iteration()), "lr": float(p.lr()), "loss": float(p.loss()),
                 "smoothed_loss": float(p.smoothedLoss())} for p in r.points()]
        suggestions, points = {}, {}
        for s in r.suggestions():
            suggestions[s.name()] = float(s.lr())
            points[s.name()] = {"iteration": int(s.iteration()), "lr": float(s.pointLr()),
                                "smoothed_loss": float(s.smoothedLoss())}
        auto = r.auto()
        return cls(rows, suggestions, points, float(auto.get().lr()) if auto.isPresent() else None,
                   r.stop().name().lower(), float(r.momentum()), r.summary())

    @property
    def curve(self):
        return _frame(["iteration", "lr", "loss", "smoothed_loss"], self._rows)

    def __repr__(self):
        return f"LrFindResult({self.text})"

    def plot(self, ax=None):
        """The smoothed loss against the learning rate (log x), the suggestions marked (matplotlib)."""
        from . import plotting

        return plotting.plot_lr_find(self, ax=ax)


__all__ = ["OneCycleClassifier", "OneCycleClassificationModel", "TrainingSummary", "LrFindResult",
           "OneCycleInputError", "ClassicModeRequiredError"]
