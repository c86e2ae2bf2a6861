"""JVM input errors reach Python as one OneCycleInputError naming the column or Param."""

import pytest
from pyspark.sql import functions as F

from conftest import small
from onecycle_spark import OneCycleClassifier, OneCycleInputError


def refused(call):
    with pytest.raises(OneCycleInputError) as e:
        call()
    assert isinstance(e.value, ValueError)
    assert e.value.__cause__ is not None, "the py4j error is kept as the cause"
    assert "\n\tat " not in str(e.value), "no JVM stack trace in the message"
    return str(e.value)


def test_a_missing_label_column_is_named(train):
    msg = refused(lambda: small().fit(train.withColumnRenamed("label", "y")))
    assert "labelCol 'label'" in msg and "no such column" in msg


def test_a_missing_features_column_is_named(train):
    msg = refused(lambda: small(featuresCol="pixels").fit(train))
    assert "featuresCol 'pixels'" in msg


def test_a_features_column_of_the_wrong_type_is_named(train):
    msg = refused(lambda: small().fit(train.withColumn("features", F.lit("text"))))
    assert "featuresCol 'features'" in msg


def test_a_label_out_of_range_is_named(train):
    msg = refused(lambda: small().fit(train.withColumn("label", F.when(F.col("label") == 3, -1.0)
                                                      .otherwise(F.col("label")))))
    assert "labelCol 'label'" in msg


def test_a_fractional_label_is_named(train):
    msg = refused(lambda: small().fit(train.withColumn("label", F.col("label") + 0.5)))
    assert "labelCol 'label'" in msg


def test_a_combination_the_policy_refuses_is_named_at_fit(train):
    msg = refused(lambda: small(threePhase=True).fit(train))
    assert "threePhase" in msg


def test_transform_with_a_missing_features_column_is_named(fitted, test_frame):
    msg = refused(lambda: fitted.transform(test_frame.withColumnRenamed("features", "f")))
    assert "featuresCol 'features'" in msg


def test_a_bad_param_value_is_named(spark):
    assert refused(lambda: OneCycleClassifier().setLrMax(float("nan"))).startswith("lrMax must be finite")
