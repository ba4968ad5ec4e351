package io.socketdoctor.config;

import java.util.List;
import java.util.Locale;

/**
 * Every option the agent accepts: its key, what it takes, its default. The one place to add one.
 * The README's option table describes them for users and is written by hand; ReadmeOptionsTest
 * fails when the two differ in keys, defaults or the words a choice takes.
 */
public enum Option {
    ENRICH("enrich", "suppressed|message|off", "suppressed",
            "how the diagnosis is attached to the exception the application sees"),
    LOG("log", "stderr|json|system|off", "stderr",
            "how each failure is reported: a timestamped line on stderr, one JSON object per line (for log"
                    + " shippers), System.Logger, or not at all"),
    LOG_TO("log.to", "stderr|stdout", "stderr",
            "the stream the stderr and json reports are written to"),
    LOG_RATE("log.rate", "a whole number from 1 to 1000", "5",
            "report lines per second per errno before they are summed up as 'N more like this'"),
    EVENTS("events", "a file path", "",
            "also append every event as a JSON line to this file"),
    EVENTS_MAX("events.max", "a size such as 10MB, 512KB or 1GB (100MB when not given)", "",
            "when the events file would pass this size it is renamed to <file>.1 (one old file kept) and a new one begun"),
    EVENTS_MODE("events.mode", "an octal file mode such as 0600 or 0640 (0600 when not given); the owner must be"
            + " able to read and write, others not to write", "",
            "the permissions a new events file (and its rotated .1) gets, whatever the JVM's umask; an existing file"
                    + " keeps its own"),
    CLOSEWAIT_AFTER("closewait.after", "a duration such as 30s, 500ms or 5m", "30s",
            "report a connection whose peer closed it (EOF read, or seen in CLOSE_WAIT) but which is still open after this long"),
    IDLE_AFTER("idle.after", "a duration such as 30s, 500ms or 5m", "30s",
            "a connection without I/O for this long counts as idle in diagnoses (reset after idle, stale EOF)"),
    PROMETHEUS("prometheus", "[host:]port, e.g. 9404, 127.0.0.1:9404 or 0.0.0.0:9404", "",
            "serve metrics at http://host:port/metrics for Prometheus; host is 127.0.0.1 unless given"),
    SITE_SKIP("site.skip", "package prefixes separated by ':', e.g. com.acme.net.:com.acme.rpc.", "",
            "frames of these packages are not the application's: an event's app_site skips them, as it skips"
                    + " well-known client libraries (its site, the first frame outside the JDK, stays as it is)"),
    METRICS_TAGS("metrics.tags", "name:value pairs separated by commas, e.g. application:checkout,env:prod", "",
            "tags added to every metric series (Prometheus and OTLP); names are label names and must not be one"
                    + " of the agent's own tags"),
    SERVICE("service", "a name, e.g. checkout", "",
            "the service the events and OTLP data are from; else OTEL_SERVICE_NAME, else service.name in"
                    + " OTEL_RESOURCE_ATTRIBUTES, else the main class or jar"),
    OTLP("otlp", "an http(s) URL such as http://otel-collector:4318, or env", "",
            "send every event as an OTLP log record and the metrics over OTLP/HTTP to this collector;"
                    + " env takes OTEL_EXPORTER_OTLP_ENDPOINT (never read unless asked for)"),
    OTLP_INTERVAL("otlp.interval", "a duration such as 10s, 500ms or 1m", "10s",
            "how often the metrics are sent over OTLP (logs go within a second)"),
    METRICS_PEERS("metrics.peers", "a whole number from 0 to 100", "0",
            "tag metrics with the remote host (IP, no port) for this many distinct hosts, the rest as 'other'"),
    INSTALL("install", "before-main|background", "before-main",
            "with -javaagent: every hook in place before main starts (main starts some tens of milliseconds later),"
                    + " or on a background thread while main runs (failures in main's first tens of milliseconds go"
                    + " undiagnosed)");

    private final String key;
    private final String accepted;
    private final String defaultValue;
    private final String description;

    Option(String key, String accepted, String defaultValue, String description) {
        this.key = key;
        this.accepted = accepted;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String key() {
        return key;
    }

    public String accepted() {
        return accepted;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    /** {@code socketdoctor.log.rate} */
    public String systemProperty() {
        return Config.PROPERTY_PREFIX + key;
    }

    /** {@code SOCKETDOCTOR_LOG_RATE} */
    public String environmentVariable() {
        return Config.ENV_PREFIX + key.replace('.', '_').toUpperCase(Locale.ROOT);
    }

    /** The choices of an option that takes one of a few words, else empty. */
    List<String> choices() {
        return accepted.contains("|") && !accepted.contains(" ") ? List.of(accepted.split("\\|")) : List.of();
    }

    public static Option byKey(String key) {
        for (Option option : values()) {
            if (option.key.equals(key)) {
                return option;
            }
        }
        return null;
    }

    static String knownKeys() {
        StringBuilder keys = new StringBuilder();
        for (Option option : values()) {
            keys.append(keys.length() == 0 ? "" : ", ").append(option.key);
        }
        return keys.toString();
    }
}
