package io.socketdoctor.classify;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * One row of the rule table: when the operation, the exception type and the message match (and
 * the fact it names holds), the failure is this cause. See {@code socket-errors.txt}.
 *
 * @param id        stable name of the cause, the event's {@code cause}
 * @param ops       operations it applies to; empty means any
 * @param exception simple or fully qualified name of the exception class or a superclass; null means any
 * @param message   pattern found at the start of the message (case-insensitive); null means any
 *                  message, {@link #NULL_MESSAGE} means the message must be null
 * @param errno     the errno, or null for conditions the JDK creates without one
 * @param condition a fact that must hold, or null
 */
public record Rule(String id, Set<Op> ops, String exception, Pattern message, Errno errno,
                   String confidence, Facts.Condition condition, String diagnosis, String hint) {

    /** Matches only a null message. */
    public static final Pattern NULL_MESSAGE = Pattern.compile("\\A\\z(?<null>)");

    boolean matches(Op op, Throwable thrown, String text, Facts facts) {
        return fits(op, thrown.getClass(), text) && holds(facts);
    }

    /** The operation, the exception type and the message fit (the condition is not checked). */
    boolean fits(Op op, Class<?> type, String text) {
        if (!ops.isEmpty() && !ops.contains(op)) {
            return false;
        }
        if (exception != null && !isA(type, exception)) {
            return false;
        }
        if (message == NULL_MESSAGE) {
            if (text != null) {
                return false;
            }
        } else if (message != null && (text == null || !message.matcher(text).lookingAt())) {
            return false;
        }
        return true;
    }

    /** The rule's condition on the connection holds (or it has none). */
    boolean holds(Facts facts) {
        return condition == null || condition.holds(facts);
    }

    private static boolean isA(Class<?> type, String name) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            if (c.getName().equals(name) || c.getSimpleName().equals(name)) {
                return true;
            }
        }
        return false;
    }

    Diagnosis verdict() {
        return new Diagnosis(id, errno, confidence, diagnosis, hint);
    }
}
