package dev.onecycle.cli;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The job's settings as Spark configuration keys: {@code spark.onecycle.<flag in camelCase>}, e.g.
 * {@code spark.onecycle.lrMax 0.1} for {@code --lr-max 0.1}, from a {@code --properties-file} in Spark's own
 * format and from Spark's configuration ({@code spark-submit --conf} / {@code --properties-file} put them in
 * system properties). They become the defaults of the command's flags, so flags given on the command line
 * win. Unknown {@code spark.onecycle.*} keys are an error, not ignored.
 */
final class OnecycleProperties implements IDefaultValueProvider {
    static final String PREFIX = "spark.onecycle.";

    private final Map<String, String> values;
    private final String origin;

    private OnecycleProperties(Map<String, String> values, String origin) {
        this.values = values;
        this.origin = origin;
    }

    /**
     * Collects {@code spark.onecycle.*} keys from the system properties and then {@code propertiesFile} (if
     * not null; its values win), and checks each against the options of {@code command}.
     */
    static OnecycleProperties load(CommandSpec command, String propertiesFile) {
        Map<String, String> values = new TreeMap<>();
        Properties system = System.getProperties();
        for (String key : system.stringPropertyNames()) {
            if (key.startsWith(PREFIX)) {
                values.put(key, system.getProperty(key).trim());
            }
        }
        String origin = "Spark configuration";
        if (propertiesFile != null) {
            Properties file = new Properties();
            try (Reader r = Files.newBufferedReader(Path.of(propertiesFile), StandardCharsets.UTF_8)) {
                file.load(r);
            } catch (NoSuchFileException e) {
                throw new CliErrors.UsageException("--properties-file", "'" + propertiesFile + "' does not exist");
            } catch (IOException | IllegalArgumentException e) {
                throw new CliErrors.UsageException("--properties-file", "cannot read '" + propertiesFile + "': " + e.getMessage());
            }
            for (String key : file.stringPropertyNames()) {
                if (key.startsWith(PREFIX)) {
                    values.put(key, file.getProperty(key).trim());
                }
            }
            origin = propertiesFile;
        }
        TreeSet<String> known = new TreeSet<>();
        for (OptionSpec o : command.options()) {
            String key = camel(o.longestName());
            if (!List.of("help", "version", "propertiesFile", "master").contains(key)) {
                known.add(PREFIX + key); // the master is Spark's own spark.master
            }
        }
        for (String key : values.keySet()) {
            if (!known.contains(key)) {
                throw new CliErrors.UsageException(key, "unknown setting in " + origin + "; known keys: "
                        + String.join(", ", known));
            }
        }
        return new OnecycleProperties(values, origin);
    }

    /** {@code --lr-max} to {@code lrMax}. */
    static String camel(String flag) {
        String name = flag.replaceFirst("^-+", "");
        StringBuilder b = new StringBuilder();
        boolean upper = false;
        for (char c : name.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                b.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return b.toString();
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec)) {
            return null;
        }
        return values.get(PREFIX + camel(((OptionSpec) arg).longestName()));
    }

    /** Where the values came from, for messages. */
    String origin() {
        return origin;
    }
}
