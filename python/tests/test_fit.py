"""fit/transform, the training summary, a Pipeline with an evaluator, and tuning, from Python."""

import math

import pytest
from pyspark.ml import Pipeline
from pyspark.ml.evaluation import MulticlassClassificationEvaluator
from pyspark.ml.feature import StandardScaler
from pyspark.ml.tuning import CrossValidator, ParamGridBuilder, TrainValidationSplit

from conftest import small
from onecycle_spark import OneCycleClassificationModel, TrainingSummary


def accuracy(predictions):
    return MulticlassClassificationEvaluator(metricName="accuracy").evaluate(predictions)


def test_fit_gives_a_model_whose_transform_adds_mllibs_columns(fitted, test_frame):
    assert isinstance(fitted, OneCycleClassificationModel)
    assert (fitted.numClasses, fitted.numFeatures) == (10, 196)
    out = fitted.transform(test_frame)
    assert out.columns[:2] == ["features", "label"]
    assert sorted(out.columns[2:]) == ["prediction", "probability", "rawPrediction"]
    rows = out.collect()
    assert len(rows) == 150
    for r in rows[:20]:
        assert math.isclose(sum(r.probability), 1.0, abs_tol=1e-9)
        assert r.prediction == max(range(10), key=lambda k: r.probability[k])
    acc = accuracy(out)
    assert acc > 0.3, f"two short epochs learn well past chance (0.1): {acc}"


def test_the_training_summary_holds_the_applied_schedule_and_the_epochs(fitted):
    assert fitted.hasSummary
    s = fitted.summary
    assert isinstance(s, TrainingSummary)
    epochs = s.epochs
    assert list(epochs["epoch"]) == [0, 1] and list(epochs["iterations"]) == [10, 20]
    assert all(l > 0 for l in s.train_loss)
    applied = s.applied_schedule
    assert list(applied.columns) == ["iteration", "epoch", "lr", "momentum", "worker", "round", "score", "device"]
    assert len(applied) == 20 * 2, "every step of both workers"
    lr, mom = s.lr, s.momentum
    assert len(lr) == 20
    # the 1cycle: warm up to lrMax then anneal far below it; momentum goes the other way
    peak = max(range(20), key=lambda i: lr[i])
    assert 0 < peak < 19 and math.isclose(max(lr), 0.1, rel_tol=0.05)
    assert lr[0] < lr[peak] and lr[-1] < lr[0]
    assert mom[peak] < mom[0]
    assert s.applied_schedule_csv.startswith("iteration,epoch,lr,momentum,worker,round,score,device\n")


def test_the_plots_draw_with_matplotlib(fitted):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    fig = fitted.summary.plot()
    lines = fig.axes[0].get_lines()
    assert len(lines[0].get_xdata()) == 20


def test_a_pipeline_of_scaler_and_classifier_fits_transforms_and_evaluates(spark, train, test_frame, tmp_path):
    train.write.parquet(str(tmp_path / "train.parquet"))
    read = spark.read.parquet(str(tmp_path / "train.parquet"))
    pipeline = Pipeline(stages=[StandardScaler(inputCol="features", outputCol="scaled"),
                                small(featuresCol="scaled", lrMax=0.05)])
    model = pipeline.fit(read)
    assert isinstance(model.stages[1], OneCycleClassificationModel)
    out = model.transform(test_frame)
    assert "prediction" in out.columns
    acc = accuracy(out)
    assert acc > 0.2, acc


def test_train_validation_split_picks_among_the_grid(train):
    est = small(totEpochs=1)
    grid = ParamGridBuilder().addGrid(est.lrMax, [0.1, 1e-6]).build()
    tvs = TrainValidationSplit(estimator=est, estimatorParamMaps=grid, trainRatio=0.7, seed=7,
                               evaluator=MulticlassClassificationEvaluator(metricName="accuracy"))
    model = tvs.fit(train)
    assert len(model.validationMetrics) == 2
    assert model.validationMetrics[0] > model.validationMetrics[1], "lr 0.1 learns, 1e-6 barely moves"
    assert model.bestModel.uid and isinstance(model.bestModel, OneCycleClassificationModel)
    assert est.getLrMax() == 0.1 and not est.isSet(est.epochs), "the grid does not change the estimator"


def test_cross_validator_runs_its_folds(train):
    est = small(totEpochs=1)
    grid = ParamGridBuilder().addGrid(est.hidden, [8]).build()
    cv = CrossValidator(estimator=est, estimatorParamMaps=grid, numFolds=2, seed=3,
                        evaluator=MulticlassClassificationEvaluator(metricName="accuracy"))
    model = cv.fit(train)
    assert len(model.avgMetrics) == 1 and 0 < model.avgMetrics[0] <= 1
    assert model.bestModel.getOrDefault("featuresCol") == "features" and model.bestModel.numFeatures == 196
    assert model.bestModel.transform(train).count() == 300
