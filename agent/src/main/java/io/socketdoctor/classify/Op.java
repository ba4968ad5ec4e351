package io.socketdoctor.classify;

import java.util.Locale;

/** What the application was doing when the socket failed. The lower-case name is the event value. */
public enum Op {
    READ, WRITE, CONNECT, ACCEPT, BIND, OPTION, CLOSE, CREATE;

    private final String label = name().toLowerCase(Locale.ROOT);

    public String label() {
        return label;
    }

    public static Op fromLabel(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT));
    }
}
