package io.socketdoctor.config;

import java.net.URI;
import java.net.URISyntaxException;

/** The OTLP collector's address as the {@code otlp} option and {@code OTEL_EXPORTER_OTLP_ENDPOINT} give it. */
final class Endpoints {

    private Endpoints() {
    }

    /**
     * {@code http://collector:4318} (or {@code https}, with an optional path prefix) as a base URL
     * without a trailing slash, to which {@code /v1/logs} and {@code /v1/metrics} are appended as
     * the OTLP specification says for {@code OTEL_EXPORTER_OTLP_ENDPOINT}; null if it is not one.
     * Nothing is looked up here: a host name is resolved by the exporter's own thread.
     */
    static URI otlpBase(String text) {
        try {
            URI uri = new URI(text.strip());
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    || uri.getHost() == null || uri.getQuery() != null || uri.getFragment() != null
                    || uri.getUserInfo() != null) {
                return null;
            }
            String path = uri.getPath() == null ? "" : uri.getPath();
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            return new URI(scheme.toLowerCase(java.util.Locale.ROOT), null, uri.getHost(), uri.getPort(), path,
                    null, null);
        } catch (URISyntaxException e) {
            return null;
        }
    }
}
