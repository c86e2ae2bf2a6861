"""Save/load across Python and the JVM: estimator, model and Pipeline(Model), with the same predictions."""

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.feature import StandardScaler

from conftest import small
from onecycle_spark import OneCycleClassificationModel, OneCycleClassifier


def predictions(frame):
    return [tuple(r.rawPrediction) for r in frame.collect()]


def jvm_frame(spark, jdf):
    from pyspark.sql import DataFrame

    return DataFrame(jdf, spark)


def test_an_estimator_saved_in_python_loads_in_the_jvm_and_back(spark, jvm, tmp_path):
    est = small(lrMax=0.03, style="pytorch", moms=[0.9, 0.8], seed=7)
    path = str(tmp_path / "estimator")
    est.save(path)
    j = jvm.dev.onecycle.ml.OneCycleClassifier.load(path)
    assert (j.getLrMax(), j.getStyle(), j.getSeed(), j.getHidden(), j.uid()) == (0.03, "pytorch", 7, 16, est.uid)
    assert list(j.getMomentum().max() for _ in [0]) == [0.9]
    back = OneCycleClassifier.load(path)
    assert isinstance(back, OneCycleClassifier)
    assert (back.getLrMax(), back.getStyle(), back.getMoms(), back.uid) == (0.03, "pytorch", [0.9, 0.8], est.uid)
    # saved by the JVM, read by Python
    path2 = str(tmp_path / "estimator-jvm")
    j.setTotEpochs(9).write().save(path2)
    assert OneCycleClassifier.load(path2).getTotEpochs() == 9


def test_a_model_saved_in_python_loads_in_the_jvm_with_the_same_predictions(spark, jvm, fitted, test_frame,
                                                                             tmp_path):
    expected = predictions(fitted.transform(test_frame))
    path = str(tmp_path / "model-py")
    fitted.write().overwrite().save(path)
    j = jvm.dev.onecycle.ml.OneCycleClassificationModel.load(path)
    assert j.uid() == fitted.uid and j.hasSummary()
    assert predictions(jvm_frame(spark, j.transform(test_frame._jdf))) == expected
    back = OneCycleClassificationModel.load(path)
    assert predictions(back.transform(test_frame)) == expected
    assert back.summary.applied_schedule_csv == fitted.summary.applied_schedule_csv


def test_a_model_saved_by_the_jvm_loads_in_python_with_the_same_predictions(spark, fitted, test_frame, tmp_path):
    path = str(tmp_path / "model-jvm")
    fitted._java_obj.write().save(path)
    loaded = OneCycleClassificationModel.load(path)
    assert isinstance(loaded, OneCycleClassificationModel) and loaded.uid == fitted.uid
    assert (loaded.numClasses, loaded.numFeatures) == (10, 196)
    assert predictions(loaded.transform(test_frame)) == predictions(fitted.transform(test_frame))


def test_pipeline_models_cross_between_python_and_the_jvm(spark, jvm, train, test_frame, tmp_path):
    pipeline = Pipeline(stages=[StandardScaler(inputCol="features", outputCol="scaled"),
                                small(featuresCol="scaled", totEpochs=1)])
    # an unfitted Pipeline with the estimator saved in Python loads in the JVM and back
    pipeline.save(str(tmp_path / "pipeline"))
    jpipe = jvm.org.apache.spark.ml.Pipeline.load(str(tmp_path / "pipeline"))
    assert jpipe.getStages()[1].getClass().getName() == "dev.onecycle.ml.OneCycleClassifier"
    reloaded = Pipeline.load(str(tmp_path / "pipeline"))
    assert isinstance(reloaded.getStages()[1], OneCycleClassifier)
    assert reloaded.getStages()[1].getFeaturesCol() == "scaled"

    model = pipeline.fit(train)
    expected = predictions(model.transform(test_frame))
    model.save(str(tmp_path / "pipeline-model-py"))
    jmodel = jvm.org.apache.spark.ml.PipelineModel.load(str(tmp_path / "pipeline-model-py"))
    assert predictions(jvm_frame(spark, jmodel.transform(test_frame._jdf))) == expected
    # saved by the JVM, loaded by Python: the stage is the Python class
    jmodel.write().save(str(tmp_path / "pipeline-model-jvm"))
    back = PipelineModel.load(str(tmp_path / "pipeline-model-jvm"))
    assert isinstance(back.stages[1], OneCycleClassificationModel)
    assert predictions(back.transform(test_frame)) == expected
