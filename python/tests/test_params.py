"""Every JVM Param has its Python twin, with the JVM's doc and default; values round-trip; bad values are refused."""

from pathlib import Path

import pytest
from py4j.protocol import Py4JJavaError

import onecycle_spark
from onecycle_spark import OneCycleClassifier, OneCycleInputError, _generate
from onecycle_spark._params import PARAMS

# a valid value other than the default, per Param (the rest: see round_trip_value)
OTHER = {
    "style": "pytorch", "anneal": "linear", "averaging": "driver", "checkpointDir": "/tmp/onecycle-checkpoints",
    "checkpointInterval": "30s", "network": "mlp", "moms": [0.9, 0.8], "finalDiv": 1000.0,
    "epochs": 3, "workers": 2, "seed": 2**40, "pctStart": 0.25,
}


def round_trip_value(name, conv, default):
    if name in OTHER:
        return OTHER[name]
    if conv == "toFloat" and default is not None:
        return default / 2
    if conv == "toInt" and default is not None:
        return default + 1
    if conv == "toBoolean":
        return not default
    raise AssertionError(f"no test value for the Param {name} ({conv}): add one to OTHER")


def test_the_committed_params_table_is_what_the_jvm_declares(spark):
    text = _generate.render(_generate.collect(spark))
    committed = (Path(__file__).resolve().parents[1] / "onecycle_spark" / "_params.py").read_text(encoding="utf-8")
    assert committed == text, "onecycle_spark/_params.py is out of date: run `python -m onecycle_spark._generate`"


def test_every_jvm_param_has_a_python_twin_with_its_doc_and_default(spark):
    est = OneCycleClassifier()
    j = est._java_obj
    jvm_names = {p.name() for p in j.params()}
    py_names = {p.name for p in est.params}
    assert jvm_names <= py_names, f"JVM Params without a Python twin: {sorted(jvm_names - py_names)}"
    own = {row[0] for row in PARAMS}
    for p in j.params():
        name = p.name()
        py = est.getParam(name)
        if name in own:
            assert py.doc == p.doc(), name
        assert est.hasDefault(py) == bool(j.hasDefault(p)), name
        if j.hasDefault(p) and name != "initialModel":
            jdefault = j.getDefault(p).get()
            pdefault = est.getOrDefault(py)
            if isinstance(pdefault, list):
                assert pdefault == list(jdefault), name
            else:
                assert pdefault == jdefault, name


def test_the_model_has_the_jvm_models_params(fitted):
    jvm_names = {p.name() for p in fitted._java_obj.params()}
    assert jvm_names <= {p.name for p in fitted.params}


VALUE_PARAMS = [r for r in PARAMS if r[2] != "model"]  # initialModel (a model): see test_continuation


@pytest.mark.parametrize("row", VALUE_PARAMS, ids=[r[0] for r in VALUE_PARAMS])
def test_each_param_round_trips_through_set_get_and_the_jvm(spark, row):
    name, _doc, conv, has_default, default = row
    value = round_trip_value(name, conv, default)
    cap = name[0].upper() + name[1:]
    est = OneCycleClassifier()
    assert getattr(est, "get" + cap)() == (default if has_default else None)
    assert getattr(est, "set" + cap)(value) is est
    assert getattr(est, "get" + cap)() == value
    by_keyword = OneCycleClassifier(**{name: value})
    assert by_keyword.getOrDefault(name) == value
    # what the JVM estimator gets, and what comes back from it
    est._transfer_params_to_java()
    jvalue = est._java_obj.getOrDefault(est._java_obj.getParam(name))
    assert (list(jvalue) if isinstance(value, list) else jvalue) == value
    copy = est.copy()
    assert copy.getOrDefault(name) == value and copy.uid == est.uid


def test_the_seed_api_reads_as_in_the_jvm(spark):
    est = OneCycleClassifier(lrMax=0.05, totEpochs=3, workers=2)
    assert (est.getLrMax(), est.getTotEpochs(), est.getWorkers()) == (0.05, 3, 2)
    est.setTotEpochs(20).setStartEpoch(8).setEpochs(12)
    assert (est.getTotEpochs(), est.getStartEpoch(), est.getEpochs()) == (20, 8, 12)
    assert est.setMomentum(0.9, 0.8).getMoms() == [0.9, 0.8]
    assert est.setFeaturesCol("x").getFeaturesCol() == "x"
    assert "lrMax: Peak learning rate (finite, > 0). (default: 0.1" in est.explainParams()


@pytest.mark.parametrize("param,value,message", [
    ("lrMax", -1.0, "lrMax must be finite and > 0, got -1.0"),
    ("style", "keras", "style must be one of fastai, fastai2, pytorch, got 'keras'"),
    ("pctStart", 1.5, "pctStart must be in [0, 1], got 1.5"),
    ("batchSize", 0, "batchSize must be > 0, got 0"),
    ("averaging", "tree", "averaging must be one of auto, barrier, driver, got 'tree'"),
    ("moms", [0.9], "moms"),
])
def test_a_bad_param_value_is_refused_when_set_naming_the_param_rule_and_value(spark, param, value, message):
    est = OneCycleClassifier()
    before = est.getOrDefault(param) if est.isDefined(param) else None
    with pytest.raises(OneCycleInputError) as e:
        est._set(**{param: value})
    assert message in str(e.value)
    assert isinstance(e.value, ValueError)
    assert e.value.__cause__ is not None, "the JVM error stays attached"
    assert (est.getOrDefault(param) if est.isDefined(param) else None) == before, "a refused value is not kept"
    with pytest.raises(OneCycleInputError, match=param):
        OneCycleClassifier(**{param: value})


def test_unknown_params_and_values_of_the_wrong_type_are_refused(spark):
    with pytest.raises(TypeError, match="no Param lrmax"):
        OneCycleClassifier(lrmax=0.1)
    with pytest.raises(TypeError, match="totEpochs"):
        OneCycleClassifier(totEpochs="many")
    with pytest.raises(TypeError, match="keyword"):
        OneCycleClassifier(0.1)
