package io.socketdoctor.cli;

import io.socketdoctor.config.Config;
import io.socketdoctor.config.ConfigException;
import java.nio.file.InvalidPathException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** The agent options as the CLI takes them: the same {@code key=value} pairs as {@code -javaagent}. */
final class Options {

    private Options() {
    }

    /**
     * Joins the arguments after the pid ({@code events=/tmp/e.jsonl,log.rate=10} or several words)
     * into one option string, and checks it here, before anything is sent to the JVM. A relative
     * {@code events} path is made absolute: the JVM would resolve it against its own directory.
     */
    static String join(List<String> words) throws CliException {
        List<String> pairs = new ArrayList<>();
        for (String word : words) {
            for (String pair : word.split(",")) {
                if (pair.isBlank()) {
                    continue;
                }
                int at = separator(pair);
                String key = at <= 0 ? "" : pair.substring(0, at).strip();
                if (key.equals(AgentArguments.COMMAND) || key.equals(AgentArguments.REPLY)) {
                    throw new CliException(ExitCode.USAGE, "'" + key + "' is not an option; the options are the"
                            + " ones of -javaagent (see socket-doctor help)");
                }
                if (key.equals("events")) {
                    String value = pair.substring(at + 1).strip();
                    try {
                        pair = "events=" + Paths.get(value).toAbsolutePath();
                    } catch (InvalidPathException e) {
                        // Config names the bad path below
                    }
                }
                pairs.add(pair.strip());
            }
        }
        String options = String.join(",", pairs);
        try {
            Config.parse(options, new Properties(), Map.of());
        } catch (ConfigException e) {
            throw new CliException(ExitCode.USAGE, withoutAgentNote(e.getMessage()));
        }
        return options;
    }

    /** The options the user gave whose values differ from the ones in force, as {@code key=wanted (in force: x)}. */
    static List<String> differences(String requested, String inForce) throws CliException {
        List<String> differences = new ArrayList<>();
        if (requested.isBlank()) {
            return differences;
        }
        Map<String, String> have = pairs(inForce);
        for (String pair : requested.split(",")) {
            int at = separator(pair);
            String key = pair.substring(0, at).strip();
            String wanted;
            try {
                wanted = pairs(Config.parse(pair, new Properties(), Map.of()).toString()).get(key);
            } catch (ConfigException e) {
                throw new CliException(ExitCode.USAGE, withoutAgentNote(e.getMessage()));
            }
            String current = have.get(key);
            if (wanted != null && !wanted.equals(current)) {
                differences.add(key + "=" + wanted + " (in force: " + (current == null ? "not set" : current) + ")");
            }
        }
        return differences;
    }

    /** {@code enrich=suppressed,log=stderr,...} (Config's form) as a map. */
    static Map<String, String> pairs(String options) {
        Map<String, String> map = new LinkedHashMap<>();
        if (options == null) {
            return map;
        }
        for (String pair : options.split(",")) {
            int at = pair.indexOf('=');
            if (at > 0) {
                map.put(pair.substring(0, at).strip(), pair.substring(at + 1).strip());
            }
        }
        return map;
    }

    private static int separator(String pair) {
        int eq = pair.indexOf('=');
        int colon = pair.indexOf(':');
        return eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
    }

    /** Config's messages end with a note for -javaagent users ("Socket Doctor is off; ..."), wrong for the CLI. */
    static String withoutAgentNote(String message) {
        int note = message.indexOf(" Socket Doctor is off");
        String line = note < 0 ? message : message.substring(0, note);
        return line.startsWith("socket-doctor: ") ? line.substring("socket-doctor: ".length()) : line;
    }
}
