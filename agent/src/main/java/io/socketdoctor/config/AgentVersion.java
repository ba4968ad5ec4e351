package io.socketdoctor.config;

/** The agent's version, for every output that names it (status, presence marks, events, metrics). */
public final class AgentVersion {

    private AgentVersion() {
    }

    /**
     * The jar's version (its manifest, whose main section counts for every package in it), or
     * {@code dev} when run from classes.
     */
    public static String of() {
        String v = AgentVersion.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
