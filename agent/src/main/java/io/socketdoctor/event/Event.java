package io.socketdoctor.event;

import java.time.Instant;

/**
 * One diagnosed failure or warning, as written to the log line and the JSON-lines file. The JSON
 * names of these fields are stable (see {@link JsonLine}); later features add fields, never
 * rename them.
 *
 * @param type       {@link #SOCKET_ERROR}, or a warning such as {@code write_after_reset}
 * @param errno      errno symbol, or null
 * @param errnoCode  its number on this platform, or null
 * @param confidence {@code exact}, {@code inferred}, or null when no rule matched
 * @param cause      id of the rule (or note) that matched, or null
 * @param site       first stack frame outside the JDK, e.g. {@code com.acme.Client.send(Client.java:42)}
 * @param history    what the connection went through, or null where it was not tracked
 * @param tcp        the kernel's view of the connection, or null where not known
 * @param tls        {@code handshake} or {@code established} when the socket I/O was the JDK's TLS layer's
 *                   ({@code SSLSocket}), null for plain sockets (the JSON line then has no {@code tls} field)
 * @param appSite    first stack frame outside the JDK and outside well-known client libraries (OkHttp,
 *                   Netty, JDBC drivers...) and {@code site.skip}: the application's own code, or null
 * @param library    the client library the failing call went through, or whose thread it ran on
 *                   ({@code okhttp}, {@code netty}, {@code jdk.httpclient}...), or null
 * @param after      the earlier failure on the same connection this one follows from, or null (a root)
 * @param nanos      {@link System#nanoTime()} when the event was made (moments after the failure): the
 *                   one monotonic clock the writer compares with its reads of the kernel's state
 */
public record Event(Instant ts, String type, String errno, Integer errnoCode, String confidence, String cause,
                    String op, String api, String exception, String message, String local, String remote,
                    String diagnosis, String hint, String thread, String site, History history, TcpState tcp,
                    String tls, String appSite, String library, After after, long nanos) {

    public static final String SOCKET_ERROR = "socket_error";

    /**
     * An event built by name: {@code Event.of(SOCKET_ERROR).errno("ECONNRESET", 104).call("read", "socket")...}.
     * Nothing is required but the type; what is not set is null (not known, not written).
     */
    public static Builder of(String type) {
        return new Builder(type);
    }

    /** This event as a builder, to derive another with some fields changed. */
    public Builder toBuilder() {
        Builder b = new Builder(type);
        b.ts = ts;
        b.errno = errno;
        b.errnoCode = errnoCode;
        b.confidence = confidence;
        b.cause = cause;
        b.op = op;
        b.api = api;
        b.exception = exception;
        b.message = message;
        b.local = local;
        b.remote = remote;
        b.diagnosis = diagnosis;
        b.hint = hint;
        b.thread = thread;
        b.site = site;
        b.history = history;
        b.tcp = tcp;
        b.tls = tls;
        b.appSite = appSite;
        b.library = library;
        b.after = after;
        return b.nanos(nanos);
    }

    /** Fields in the pairs they are known in; {@link #build()} stamps {@code nanos} unless it was set. */
    public static final class Builder {
        private final String type;
        private Instant ts;
        private String errno;
        private Integer errnoCode;
        private String confidence;
        private String cause;
        private String op;
        private String api;
        private String exception;
        private String message;
        private String local;
        private String remote;
        private String diagnosis;
        private String hint;
        private String thread;
        private String site;
        private History history;
        private TcpState tcp;
        private String tls;
        private String appSite;
        private String library;
        private After after;
        private long nanos;
        private boolean nanosSet;

        private Builder(String type) {
            this.type = type;
        }

        public Builder at(Instant ts) {
            this.ts = ts;
            return this;
        }

        /** The errno symbol and its number on this platform (either may be null). */
        public Builder errno(String symbol, Integer code) {
            this.errno = symbol;
            this.errnoCode = code;
            return this;
        }

        /** The rule or note that matched, and how sure it is ({@code exact}, {@code inferred}). */
        public Builder cause(String cause, String confidence) {
            this.cause = cause;
            this.confidence = confidence;
            return this;
        }

        /** The operation ({@code read}, {@code connect}...) and the API it went through. */
        public Builder call(String op, String api) {
            this.op = op;
            this.api = api;
            return this;
        }

        /** The exception the application got: its class name and its (capped) message. */
        public Builder exception(String className, String message) {
            this.exception = className;
            this.message = message;
            return this;
        }

        /** The connection's ends, {@code host:port}. */
        public Builder ends(String local, String remote) {
            this.local = local;
            this.remote = remote;
            return this;
        }

        /** What happened and what to do next, as rendered for this connection. */
        public Builder texts(String diagnosis, String hint) {
            this.diagnosis = diagnosis;
            this.hint = hint;
            return this;
        }

        public Builder thread(String thread) {
            this.thread = thread;
            return this;
        }

        /** The first frame outside the JDK, and the application's own frame. */
        public Builder sites(String site, String appSite) {
            this.site = site;
            this.appSite = appSite;
            return this;
        }

        public Builder library(String library) {
            this.library = library;
            return this;
        }

        public Builder history(History history) {
            this.history = history;
            return this;
        }

        public Builder tcp(TcpState tcp) {
            this.tcp = tcp;
            return this;
        }

        public Builder tls(String tls) {
            this.tls = tls;
            return this;
        }

        public Builder after(After after) {
            this.after = after;
            return this;
        }

        public Builder nanos(long nanos) {
            this.nanos = nanos;
            this.nanosSet = true;
            return this;
        }

        public Event build() {
            return new Event(ts, type, errno, errnoCode, confidence, cause, op, api, exception, message, local,
                    remote, diagnosis, hint, thread, site, history, tcp, tls, appSite, library, after,
                    nanosSet ? nanos : System.nanoTime());
        }
    }

    /**
     * The connection's history at the time of the event.
     *
     * @param ageMs      since connect or accept
     * @param idleMs     since the last successful read or write (or the open), 100 ms resolution
     * @param summary    one line, e.g. {@code client, opened 312.4 s ago, last read 300.1 s ago, peer EOF 2.0 s ago at ...}
     * @param eofAt      when a read first returned EOF, or null
     * @param eofSite    the call site of that read, or null
     * @param resetAt    when a reset was first seen on it, or null
     * @param resetErrno that reset's errno, or null
     * @param openThread the name of the thread that opened (connected or accepted) it, or null
     * @param openSite   where it was opened ({@code class.method(File.java:line)}), or null where not kept
     */
    public record History(long ageMs, long idleMs, String summary, Instant eofAt, String eofSite,
                          Instant resetAt, String resetErrno, String openThread, String openSite) {

        public History(long ageMs, long idleMs, String summary, Instant eofAt, String eofSite,
                       Instant resetAt, String resetErrno) {
            this(ageMs, idleMs, summary, eofAt, eofSite, resetAt, resetErrno, null, null);
        }
    }

    /**
     * The earlier failure this one is a consequence of (same connection, moments before).
     *
     * @param errno the first failure's errno symbol, or null
     * @param cause the first failure's cause
     * @param agoMs how long before this one it was reported
     * @param rootNanos when the first failure's event was made ({@link System#nanoTime()}): its identity,
     *                  so that the log shows one follow-up line per first failure
     */
    public record After(String errno, String cause, long agoMs, long rootNanos) {

        /** What the log line and the JSON's {@code after} field name it by: the errno, else the cause. */
        public String name() {
            return errno != null ? errno : cause;
        }
    }

    /**
     * The kernel's row for the connection ({@code /proc/net/tcp}), looked up when the event is written.
     *
     * @param state        e.g. {@code CLOSE_WAIT}, or {@code GONE} when the kernel has dropped it
     * @param sendQueue    bytes not yet acknowledged by the peer (null when GONE)
     * @param receiveQueue bytes received but not yet read by the application (null when GONE)
     */
    public record TcpState(String state, Long sendQueue, Long receiveQueue) {
    }

    public Event withTcp(TcpState tcp) {
        return toBuilder().tcp(tcp).build();
    }

    /** The key the log's rate limit counts by: the errno, else the cause, else "unknown". */
    String rateKey() {
        return errno != null ? errno : cause != null ? cause : "unknown";
    }
}
