package io.socketdoctor.classify;

import java.util.List;

/**
 * (operation, exception, facts) → {@link Diagnosis}: the first rule of the table that matches.
 * Stateless and thread-safe; an exception no rule knows gets {@link Diagnosis#UNKNOWN}, never a guess.
 */
public final class Classifier {

    private final List<Rule> rules;

    public Classifier(ErrorTable table) {
        this.rules = table.rules();
    }

    public Diagnosis classify(Op op, Throwable thrown, Facts facts) {
        String message = thrown.getMessage();
        for (Rule rule : rules) {
            if (rule.matches(op, thrown, message, facts)) {
                return rule.verdict();
            }
        }
        return Diagnosis.UNKNOWN;
    }
}
