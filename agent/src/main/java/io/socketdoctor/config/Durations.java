package io.socketdoctor.config;

/** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}: the durations options take. */
final class Durations {

    private Durations() {
    }

    /** Milliseconds, or -1 if the text is not a positive duration with a unit. */
    static long parseMillis(String text) {
        String t = text.strip();
        long unit;
        String number;
        if (t.endsWith("ms")) {
            unit = 1;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            unit = 1000;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            unit = 60_000;
            number = t.substring(0, t.length() - 1);
        } else if (t.endsWith("h")) {
            unit = 3_600_000;
            number = t.substring(0, t.length() - 1);
        } else {
            return -1;
        }
        try {
            long n = Long.parseLong(number.strip());
            return n > 0 && n <= Long.MAX_VALUE / unit ? n * unit : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
