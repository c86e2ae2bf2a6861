"""The seed's API from Python: 8 + 12 epochs of a 20-epoch cycle end bitwise where one 20-epoch fit ends."""

from conftest import params_sha, small
from data import frame
from onecycle_spark import OneCycleClassificationModel, OneCycleClassifier


def test_eight_then_twelve_epochs_equal_one_twenty_epoch_fit_bitwise(spark, tmp_path):
    tiny = frame(spark, 0, 40, pixels_every=4).cache()  # 40 rows, 2 workers, batches of 10: 2 steps per epoch
    est = small(hidden=8, batchSize=10, averagingFrequency=2, totEpochs=20, lrMax=0.05)
    whole = est.fit(tiny)
    model8 = est.copy().setEpochs(8).fit(tiny)
    before = params_sha(model8)
    rest = est.copy().setStartEpoch(8).setEpochs(12).setInitialModel(model8)
    assert rest.getInitialModel() is model8
    model20 = rest.fit(tiny)
    assert params_sha(model20) == params_sha(whole), "bitwise equal parameters"
    assert params_sha(model8) == before, "the initial model is not changed by the fit that continues it"
    assert [tuple(r.rawPrediction) for r in model20.transform(tiny).collect()] == \
           [tuple(r.rawPrediction) for r in whole.transform(tiny).collect()]
    # the applied schedule of the two parts is the one cycle's
    assert model8.summary.lr + model20.summary.lr == whole.summary.lr
    assert list(model20.summary.epochs["epoch"]) == list(range(8, 20))
    # an estimator with its initialModel saves and loads (Python <-> JVM) with that model
    rest.save(str(tmp_path / "rest"))
    loaded = OneCycleClassifier.load(str(tmp_path / "rest"))
    assert isinstance(loaded.getInitialModel(), OneCycleClassificationModel)
    assert params_sha(loaded.getInitialModel()) == before and loaded.getStartEpoch() == 8
    jloaded = spark.sparkContext._jvm.dev.onecycle.ml.OneCycleClassifier.load(str(tmp_path / "rest"))
    assert jloaded.getInitialModel().network().paramsSha256() == before
