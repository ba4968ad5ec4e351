package io.socketdoctor.config;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The agent's settings, from (highest precedence first) the {@code -javaagent:...=k=v,k=v}
 * arguments, system properties {@code socketdoctor.<key>}, and environment variables
 * {@code SOCKETDOCTOR_<KEY>}. Agent arguments also accept {@code k:v}, because {@code jcmd
 * JVMTI.agent_load} takes {@code k=v} tokens as its own options.
 */
public final class Config {

    public static final String PROPERTY_PREFIX = "socketdoctor.";
    public static final String ENV_PREFIX = "SOCKETDOCTOR_";
    private static final String OFF_NOTE = " Socket Doctor is off; the application runs normally.";

    public enum Enrich { SUPPRESSED, MESSAGE, OFF }

    public enum Log { STDERR, JSON, SYSTEM, OFF }

    /** The stream {@code log=stderr} and {@code log=json} write to. */
    public enum LogTo { STDERR, STDOUT }

    /** When a {@code -javaagent} start instruments the JDK; attach always does it at once. */
    public enum Install { BACKGROUND, BEFORE_MAIN }

    private final Enrich enrich;
    private final Log log;
    private final int logRate;
    private final Path events;
    private final long closeWaitAfterMillis;
    private final long idleAfterMillis;

    private final Map<Option, String> values;

    private Config(Map<Option, String> values) throws ConfigException {
        this.values = values;
        enrich = Enrich.valueOf(values.get(Option.ENRICH).toUpperCase(Locale.ROOT));
        log = Log.valueOf(values.get(Option.LOG).toUpperCase(Locale.ROOT));
        logRate = Integer.parseInt(values.get(Option.LOG_RATE));
        closeWaitAfterMillis = Durations.parseMillis(values.get(Option.CLOSEWAIT_AFTER));
        idleAfterMillis = Durations.parseMillis(values.get(Option.IDLE_AFTER));
        String file = values.get(Option.EVENTS);
        try {
            events = file.isEmpty() ? null : Paths.get(file);
        } catch (RuntimeException e) {
            throw new ConfigException("socket-doctor: option events=" + file + " is not a usable path." + OFF_NOTE);
        }
    }

    public static Config defaults() {
        try {
            return parse(null, new Properties(), Map.of());
        } catch (ConfigException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads the settings of this JVM. */
    public static Config load(String agentArguments) throws ConfigException {
        return parse(agentArguments, System.getProperties(), System.getenv());
    }

    public static Config parse(String agentArguments, Properties properties, Map<String, String> environment)
            throws ConfigException {
        Map<Option, String> values = new EnumMap<>(Option.class);
        for (Option option : Option.values()) {
            values.put(option, option.defaultValue());
        }
        for (Map.Entry<String, String> env : environment.entrySet()) {
            if (env.getKey().startsWith(ENV_PREFIX)) {
                Option option = null;
                for (Option candidate : Option.values()) {
                    if (candidate.environmentVariable().equals(env.getKey())) {
                        option = candidate;
                    }
                }
                set(values, option, env.getKey(), env.getValue(), "environment variable " + env.getKey());
            }
        }
        for (String name : properties.stringPropertyNames()) {
            if (name.startsWith(PROPERTY_PREFIX)) {
                String key = name.substring(PROPERTY_PREFIX.length());
                set(values, Option.byKey(key), key, properties.getProperty(name), "system property " + name);
            }
        }
        if (agentArguments != null && !agentArguments.isBlank()) {
            Option last = null;
            for (String pair : agentArguments.split(",")) {
                if (pair.isBlank()) {
                    continue;
                }
                if (last == Option.METRICS_TAGS && pair.indexOf('=') < 0 && pair.indexOf(':') > 0
                        && Option.byKey(pair.substring(0, pair.indexOf(':')).strip()) != null) {
                    throw new ConfigException("socket-doctor: '" + pair.strip() + "' after metrics.tags in the agent"
                            + " arguments could be a tag or the option " + pair.substring(0, pair.indexOf(':')).strip()
                            + ": write the option with '=', or give metrics.tags last." + OFF_NOTE);
                }
                if (last == Option.METRICS_TAGS && continuesTags(pair)) {
                    // metrics.tags=application:checkout,env:prod: the comma separates tags here, not options
                    set(values, last, last.key(), values.get(last) + "," + pair.strip(), "the agent arguments");
                    continue;
                }
                int eq = pair.indexOf('=');
                int colon = pair.indexOf(':');
                int at = eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
                if (at <= 0) {
                    throw new ConfigException("socket-doctor: cannot read '" + pair.strip()
                            + "' in the agent arguments: write key=value pairs separated by commas (known keys: "
                            + Option.knownKeys() + ")." + OFF_NOTE);
                }
                String key = pair.substring(0, at).strip();
                last = Option.byKey(key);
                set(values, last, key, pair.substring(at + 1).strip(), "the agent arguments");
            }
        }
        return new Config(values);
    }

    /** {@code env:prod} after {@code metrics.tags=...}: a tag, unless its name is an option's key. */
    private static boolean continuesTags(String pair) {
        int colon = pair.indexOf(':');
        return colon > 0 && pair.indexOf('=') < 0 && Option.byKey(pair.substring(0, colon).strip()) == null;
    }

    private static void set(Map<Option, String> values, Option option, String key, String value, String source)
            throws ConfigException {
        if (option == null) {
            throw new ConfigException("socket-doctor: unknown option '" + key + "' in " + source
                    + " (known options: " + Option.knownKeys() + ")." + OFF_NOTE);
        }
        String normalised = validate(option, value);
        if (normalised == null) {
            throw new ConfigException("socket-doctor: option " + option.key() + "=" + value + " in " + source
                    + " is not valid: " + option.key() + " takes " + option.accepted() + "." + OFF_NOTE);
        }
        values.put(option, normalised);
    }

    /** The value in canonical form, or null if the option does not accept it. */
    private static String validate(Option option, String value) {
        String v = value.strip();
        if (!option.choices().isEmpty()) {
            String lower = v.toLowerCase(Locale.ROOT);
            return option.choices().contains(lower) ? lower : null;
        }
        switch (option) {
            case LOG_RATE:
                try {
                    int rate = Integer.parseInt(v);
                    return rate >= 1 && rate <= 1000 ? Integer.toString(rate) : null;
                } catch (NumberFormatException e) {
                    return null;
                }
            case EVENTS:
                return v.isEmpty() ? null : v;
            case EVENTS_MAX:
                return parseBytes(v) > 0 ? v.toUpperCase(Locale.ROOT) : null;
            case EVENTS_MODE:
                return fileMode(v);
            case CLOSEWAIT_AFTER:
            case IDLE_AFTER:
                return Durations.parseMillis(v) > 0 ? v : null;
            case PROMETHEUS:
                return listenAddress(v);
            case SITE_SKIP:
                return v.matches("[A-Za-z_$][\\w$.]*(:[A-Za-z_$][\\w$.]*)*") ? v : null;
            case METRICS_TAGS:
                return MetricTags.parse(v) == null ? null : v;
            case SERVICE:
                return v.matches("[^\\s,=\"]{1,128}") ? v : null;
            case OTLP:
                return v.equalsIgnoreCase("env") ? "env" : Endpoints.otlpBase(v) == null ? null : v;
            case OTLP_INTERVAL:
                return Durations.parseMillis(v) >= 100 ? v : null;
            case METRICS_PEERS:
                try {
                    int peers = Integer.parseInt(v);
                    return peers >= 0 && peers <= 100 ? Integer.toString(peers) : null;
                } catch (NumberFormatException e) {
                    return null;
                }
            default:
                return v;
        }
    }

    public Enrich enrich() {
        return enrich;
    }

    public Log log() {
        return log;
    }

    public LogTo logTo() {
        return LogTo.valueOf(values.get(Option.LOG_TO).toUpperCase(Locale.ROOT));
    }

    /** {@code service=}, or "" when not given (see {@link Identity} for what stands in). */
    public String service() {
        return values.get(Option.SERVICE);
    }

    /**
     * The collector's base URL ({@code http://host:4318}, without {@code /v1/...}) for OTLP, or
     * null when {@code otlp} is not set, or is {@code env} and {@code OTEL_EXPORTER_OTLP_ENDPOINT}
     * is not a usable URL. The environment is read only for {@code otlp=env}: a service that runs
     * the OpenTelemetry agent has that variable set and must not start exporting twice.
     */
    public java.net.URI otlp(Map<String, String> environment) {
        String v = values.get(Option.OTLP);
        if (v.isEmpty()) {
            return null;
        }
        return Endpoints.otlpBase(v.equals("env") ? environment.getOrDefault("OTEL_EXPORTER_OTLP_ENDPOINT", "") : v);
    }

    /** Whether {@code otlp} is set at all (to a URL or to {@code env}). */
    public boolean otlpRequested() {
        return !values.get(Option.OTLP).isEmpty();
    }

    public long otlpIntervalMillis() {
        return Durations.parseMillis(values.get(Option.OTLP_INTERVAL));
    }

    /** {@code metrics.tags}, in the order given (possibly none). */
    public Map<String, String> metricsTags() {
        Map<String, String> tags = MetricTags.parse(values.get(Option.METRICS_TAGS));
        return tags == null ? Map.of() : tags;
    }

    public Install install() {
        return Install.valueOf(values.get(Option.INSTALL).toUpperCase(Locale.ROOT).replace('-', '_'));
    }

    public int logRate() {
        return logRate;
    }

    public long closeWaitAfterMillis() {
        return closeWaitAfterMillis;
    }

    public long idleAfterMillis() {
        return idleAfterMillis;
    }

    /** The default of {@code events.max}: 100 MB. */
    public static final long DEFAULT_EVENTS_MAX = 100L * 1024 * 1024;

    /** The size past which the events file is rotated to {@code <file>.1}, in bytes. */
    public long eventsMaxBytes() {
        String v = values.get(Option.EVENTS_MAX);
        return v == null || v.isEmpty() ? DEFAULT_EVENTS_MAX : parseBytes(v);
    }

    /** The default of {@code events.mode}: the service's user alone may read its events (peer addresses, threads, code sites). */
    public static final String DEFAULT_EVENTS_MODE = "0600";

    /** The permissions a new events file gets ({@code events.mode}, 0600 when not given). */
    public java.util.Set<java.nio.file.attribute.PosixFilePermission> eventsMode() {
        String v = values.get(Option.EVENTS_MODE);
        return permissions(v == null || v.isEmpty() ? DEFAULT_EVENTS_MODE : v);
    }

    /**
     * An octal mode ({@code 640}, {@code 0640}) as four digits, or null when it is not one, has
     * bits beyond the permissions (setuid, setgid, sticky), does not let the owner read and write,
     * or lets others write.
     */
    static String fileMode(String value) {
        if (!value.matches("0?[0-7]{3}")) {
            return null;
        }
        int mode = Integer.parseInt(value, 8);
        if ((mode & 0600) != 0600 || (mode & 0002) != 0) {
            return null;
        }
        return String.format("%04o", mode);
    }

    /** {@code 0640} as the set of permissions {@code rw-r-----}. */
    public static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(String octal) {
        int mode = Integer.parseInt(octal, 8);
        StringBuilder text = new StringBuilder(9);
        String letters = "rwxrwxrwx";
        for (int bit = 8; bit >= 0; bit--) {
            text.append((mode & (1 << bit)) != 0 ? letters.charAt(8 - bit) : '-');
        }
        return java.nio.file.attribute.PosixFilePermissions.fromString(text.toString());
    }

    /** {@code 512KB}, {@code 10MB}, {@code 1GB} (binary units, case-insensitive) in bytes, from 1 KB to 1 TB; else -1. */
    static long parseBytes(String value) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,7})\\s*([KMG])B?")
                .matcher(value.strip().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            return -1;
        }
        long n = Long.parseLong(m.group(1));
        long bytes = n << (m.group(2).equals("K") ? 10 : m.group(2).equals("M") ? 20 : 30);
        return bytes >= 1024 && bytes <= (1L << 40) ? bytes : -1;
    }

    /** The JSON-lines event file, or null. */
    public Path events() {
        return events;
    }

    /** Where to serve {@code /metrics} for Prometheus, or null when off. Built from IP literals only: no lookup. */
    public java.net.InetSocketAddress prometheus() {
        String address = values.get(Option.PROMETHEUS);
        if (address.isEmpty()) {
            return null;
        }
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon).replace("[", "").replace("]", "");
        try {
            return new java.net.InetSocketAddress(java.net.InetAddress.getByName(host),
                    Integer.parseInt(address.substring(colon + 1)));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException("validated address " + address, e);
        }
    }

    /** How many distinct remote hosts get their own {@code peer} tag on the metrics (0: no such tag). */
    /** The {@code site.skip} prefixes, possibly none. */
    public List<String> siteSkip() {
        String v = values.get(Option.SITE_SKIP);
        return v.isEmpty() ? List.of() : List.of(v.split(":"));
    }

    public int metricsPeers() {
        return Integer.parseInt(values.get(Option.METRICS_PEERS));
    }

    /**
     * {@code [host:]port} as {@code ip:port} ({@code [ipv6]:port}), "" for {@code off}, or null if
     * invalid. The host must be an IP literal or {@code localhost}, so nothing is ever looked up;
     * without one it is 127.0.0.1: an endpoint is only reachable from elsewhere when asked for.
     */
    static String listenAddress(String value) {
        if (value.equalsIgnoreCase("off")) {
            return "";
        }
        int colon = value.lastIndexOf(':');
        String host = colon < 0 ? "127.0.0.1" : value.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        if (port < 1 || port > 65535) {
            return null;
        }
        if (host.equalsIgnoreCase("localhost")) {
            host = "127.0.0.1";
        }
        if (host.matches("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}")) {
            return host + ":" + port;
        }
        if (host.matches("\\[[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*]")) {
            try {
                // An IPv6 literal (it has a colon): parsed, never resolved.
                String ip = java.net.InetAddress.getByName(host.substring(1, host.length() - 1)).getHostAddress();
                return ip.indexOf(':') < 0 ? null : "[" + ip + "]:" + port;
            } catch (java.net.UnknownHostException e) {
                return null;
            }
        }
        return null;
    }

    /** Every option in force, in {@link Option} order, as {@code key=value,...} (for status reports). */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<Option, String> entry : values.entrySet()) {
            if (!entry.getValue().isEmpty()) {
                out.append(out.length() == 0 ? "" : ",").append(entry.getKey().key()).append('=').append(entry.getValue());
            }
        }
        return out.toString();
    }
}
