"""JVM input errors as one Python exception.

A bad Param value, a missing column, a column of the wrong type or a label out of range is refused on the JVM
(an ``IllegalArgumentException``: ``InvalidParameterException``, ``InvalidColumnException``...), possibly wrapped
in a ``SparkException`` when an executor found it.  :func:`jvm_errors` turns that into one
:class:`OneCycleInputError` (a ``ValueError``) whose message is the JVM's own (naming the Param or column, the rule
and the value); the py4j error stays attached as ``__cause__``.  Other JVM failures pass through unchanged.
"""

import contextlib

from py4j.protocol import Py4JJavaError


class OneCycleInputError(ValueError):
    """The JVM refused an input: ``str(e)`` names the Param or column; ``java_class`` is the JVM exception."""

    def __init__(self, message, java_class=None):
        super().__init__(message)
        self.java_class = java_class


class ClassicModeRequiredError(RuntimeError):
    """onecycle-spark's Python classes drive JVM objects through py4j: a Spark Connect session cannot run them."""


def _java_exception(e):
    if isinstance(e, Py4JJavaError):
        return e.java_exception
    # pyspark converts some JVM exceptions (IllegalArgumentException...) into its own CapturedException
    return getattr(e, "_origin", None)


def _input_error(jexc):
    """The first IllegalArgumentException in a JVM exception's cause chain, as (class name, message), or None."""
    from pyspark import SparkContext

    sc = SparkContext._active_spark_context
    if sc is None or jexc is None:
        return None
    iae = sc._jvm.java.lang.Class.forName("java.lang.IllegalArgumentException")
    seen = 0
    t = jexc
    while t is not None and seen < 20:
        try:
            if iae.isInstance(t):
                return t.getClass().getName(), t.getMessage()
            t = t.getCause()
        except Exception:  # a JVM object gone with its gateway
            return None
        seen += 1
    return None


def translate(e):
    """The Python exception for a JVM error ``e``: an OneCycleInputError for an input error, else None."""
    found = _input_error(_java_exception(e))
    if found is None:
        return None
    cls, message = found
    return OneCycleInputError(message or cls, java_class=cls)


@contextlib.contextmanager
def jvm_errors():
    """Runs a block calling the JVM; its input errors come out as one OneCycleInputError."""
    try:
        yield
    except Exception as e:  # Py4JJavaError or pyspark's CapturedException; over Spark Connect, its own exception
        if isinstance(e, Py4JJavaError) or _java_exception(e) is not None:
            mapped = translate(e)
        else:
            mapped = _from_connect(e)
        if mapped is None:
            raise
        raise mapped from e


def _from_connect(e):
    """A Spark Connect client's IllegalArgumentException (the server's JVM input error) as OneCycleInputError."""
    if not type(e).__module__.startswith("pyspark.errors.exceptions.connect"):
        return None
    try:
        from pyspark.errors import IllegalArgumentException
    except ImportError:  # pragma: no cover
        return None
    if not isinstance(e, IllegalArgumentException):
        return None
    text = str(e)
    message, _, trace = text.partition("JVM stacktrace:")
    trace_lines = [l.strip() for l in trace.strip().splitlines() if l.strip()]
    java_class = trace_lines[0].split(":")[0] if trace_lines else None
    return OneCycleInputError(message.strip(), java_class=java_class)
