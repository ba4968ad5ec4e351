package io.socketdoctor.classify;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * (operation, exception, facts) → {@link Diagnosis}: the first rule of the table that matches.
 * Thread-safe; an exception no rule knows gets {@link Diagnosis#UNKNOWN}, never a guess.
 *
 * <p>A service that fails, fails the same way many times: matching the table's message patterns
 * was the largest cost of a failure (the bench's profile). So the rules whose operation, type and
 * message fit are worked out once per distinct failure and kept (JDK exception types, short
 * messages, at most {@value #MEMO_LIMIT} of them); only the rules' conditions on the connection's
 * history are checked every time.
 */
public final class Classifier {

    /** Distinct (type, message, operation) kept; beyond that a failure is matched rule by rule. */
    static final int MEMO_LIMIT = 1024;
    /** Longer messages (host names, paths) are matched every time rather than kept. */
    static final int MEMO_MESSAGE_CHARS = 200;

    private final List<Rule> rules;
    private final ConcurrentHashMap<Failure, Rule[]> memo = new ConcurrentHashMap<>();

    public Classifier(ErrorTable table) {
        this.rules = table.rules();
    }

    public Diagnosis classify(Op op, Throwable thrown, Facts facts) {
        for (Rule rule : candidates(op, thrown.getClass(), thrown.getMessage())) {
            if (rule.holds(facts)) {
                return rule.verdict();
            }
        }
        return Diagnosis.UNKNOWN;
    }

    /** The rules, in table order, that fit this failure apart from their conditions. */
    private Rule[] candidates(Op op, Class<?> type, String message) {
        // Only the JDK's own exception types: a key must not keep an application's class loader alive.
        boolean keep = type.getClassLoader() == null && (message == null || message.length() <= MEMO_MESSAGE_CHARS);
        Failure key = keep ? new Failure(type, message, op) : null;
        Rule[] known = keep ? memo.get(key) : null;
        if (known != null) {
            return known;
        }
        List<Rule> fitting = new ArrayList<>();
        for (Rule rule : rules) {
            if (rule.fits(op, type, message)) {
                fitting.add(rule);
            }
        }
        Rule[] found = fitting.toArray(new Rule[0]);
        if (keep && memo.size() < MEMO_LIMIT) {
            memo.putIfAbsent(key, found);
        }
        return found;
    }

    /** How many distinct failures are kept (for tests). */
    int remembered() {
        return memo.size();
    }

    /** A plain class, not a record: a record's equals links an invokedynamic on its first use. */
    private static final class Failure {
        private final Class<?> type;
        private final String message;
        private final Op op;

        Failure(Class<?> type, String message, Op op) {
            this.type = type;
            this.message = message;
            this.op = op;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Failure f && f.type == type && f.op == op
                    && (message == null ? f.message == null : message.equals(f.message));
        }

        @Override
        public int hashCode() {
            return (type.hashCode() * 31 + op.hashCode()) * 31 + (message == null ? 0 : message.hashCode());
        }
    }

    /**
     * For a failure whose errno is known exactly (a native library handed it over, as Netty's
     * native transports do): the first rule for that errno and operation whose condition holds,
     * skipping rules tied to an exception type (those describe exceptions the JDK makes itself).
     * The message is not consulted: it is the library's wording, not the JDK's. An errno no rule
     * covers keeps the errno, with no cause.
     */
    public Diagnosis classifyErrno(Op op, Errno errno, Facts facts) {
        if (errno == null) {
            return Diagnosis.UNKNOWN;
        }
        for (Rule rule : rules) {
            if (rule.errno() == errno && rule.exception() == null
                    && (rule.ops().isEmpty() || rule.ops().contains(op))
                    && (rule.condition() == null || rule.condition().holds(facts))) {
                return rule.verdict();
            }
        }
        return new Diagnosis(null, errno, "exact", "The operating system reported " + errno.symbol() + " ("
                + errno.description() + ") for this call; Socket Doctor has no rule for it on this operation.",
                Diagnosis.UNKNOWN.hint());
    }
}
