package io.socketdoctor.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code metrics.tags=application:checkout,env:prod}: tags every metric series carries. */
final class MetricTags {

    /**
     * The agent's own tags, and the two Prometheus sets on every target: a common tag by one of
     * these names would overwrite a real one (or be renamed {@code exported_job} at scrape).
     */
    static final Set<String> RESERVED = Set.of("errno", "cause", "op", "api", "kind", "peer", "direction",
            "state", "sink", "version", "jdk", "job", "instance");

    /** At most this many: each one multiplies nothing, but every series carries all of them. */
    static final int MAX = 10;

    private MetricTags() {
    }

    /** The tags in the order given, or null when the text is not {@code name:value[,name:value...]}. */
    static Map<String, String> parse(String text) {
        Map<String, String> tags = new LinkedHashMap<>();
        if (text.isBlank()) {
            return tags;
        }
        for (String pair : text.split(",")) {
            int colon = pair.indexOf(':');
            if (colon <= 0) {
                return null;
            }
            String name = pair.substring(0, colon).strip();
            String value = pair.substring(colon + 1).strip();
            if (!name.matches("[a-zA-Z_][a-zA-Z0-9_]{0,63}") || name.startsWith("__") || RESERVED.contains(name)
                    || value.isEmpty() || value.length() > 128 || tags.put(name, value) != null) {
                return null;
            }
        }
        return tags.size() > MAX ? null : Collections.unmodifiableMap(tags);
    }
}
