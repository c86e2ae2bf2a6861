package dev.onecycle.notebook;

import java.io.PrintWriter;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;

/** The Scala 2.12 interpreter (Spark 3.5 line): IMain writes its messages to a PrintWriter. */
final class ScalaInterpreters {
    private ScalaInterpreters() {
    }

    /** A started interpreter. */
    static IMain create(Settings settings, PrintWriter out) {
        IMain intp = new IMain(settings, out);
        intp.initializeSynchronous();
        return intp;
    }
}
