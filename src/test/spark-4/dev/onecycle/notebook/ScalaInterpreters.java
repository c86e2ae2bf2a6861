package dev.onecycle.notebook;

import java.io.PrintWriter;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.shell.ReplReporterImpl;

/**
 * The Scala 2.13 interpreter (Spark 4 line): IMain reports through a ReplReporter (Scala 2.13 moved the REPL's
 * printing there), here one writing to the given PrintWriter, as Zeppelin's Scala 2.13 Spark interpreter does.
 */
final class ScalaInterpreters {
    private ScalaInterpreters() {
    }

    /** A started interpreter. */
    static IMain create(Settings settings, PrintWriter out) {
        IMain intp = new IMain(settings, new ReplReporterImpl(settings, out));
        if (!intp.initializeCompiler()) {
            throw new IllegalStateException("the Scala 2.13 compiler did not start");
        }
        return intp;
    }
}
