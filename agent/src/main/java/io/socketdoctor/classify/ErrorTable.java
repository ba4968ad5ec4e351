package io.socketdoctor.classify;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The errno catalogue and the rules, read from {@code socket-errors.txt} beside this class.
 * That file is the one place to teach Socket Doctor a new error; this class only parses it.
 */
public final class ErrorTable {

    public static final String RESOURCE = "socket-errors.txt";

    private final Map<String, Errno> errnos;
    private final List<Rule> rules;

    private ErrorTable(Map<String, Errno> errnos, List<Rule> rules) {
        this.errnos = Collections.unmodifiableMap(errnos);
        this.rules = List.copyOf(rules);
    }

    public static ErrorTable load() {
        try (InputStream in = ErrorTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the agent jar");
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Map<String, Errno> errnos() {
        return errnos;
    }

    public List<Rule> rules() {
        return rules;
    }

    static ErrorTable parse(BufferedReader reader) throws IOException {
        Map<String, Errno> errnos = new LinkedHashMap<>();
        List<Rule> rules = new ArrayList<>();
        RuleDraft draft = null;
        Set<String> ids = new java.util.HashSet<>();
        int lineNo = 0;
        for (String line; (line = reader.readLine()) != null; ) {
            lineNo++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            if (trimmed.startsWith("rule ") && draft != null) {
                rules.add(draft.build()); // reports its own line if incomplete
                draft = null;
            }
            try {
                if (trimmed.startsWith("errno ")) {
                    Errno errno = parseErrno(trimmed);
                    if (errnos.put(errno.symbol(), errno) != null) {
                        throw new IllegalArgumentException("errno " + errno.symbol() + " listed twice");
                    }
                } else if (trimmed.startsWith("rule ")) {
                    draft = new RuleDraft(trimmed.substring(5), errnos, lineNo);
                    if (!ids.add(draft.id)) {
                        throw new IllegalArgumentException("rule " + draft.id + " listed twice");
                    }
                } else if (draft != null && trimmed.startsWith("diagnosis ")) {
                    draft.diagnosis = trimmed.substring(10).strip();
                } else if (draft != null && trimmed.startsWith("hint ")) {
                    draft.hint = trimmed.substring(5).strip();
                } else {
                    throw new IllegalArgumentException("cannot read this line");
                }
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(RESOURCE + " line " + lineNo + ": " + e.getMessage(), e);
            }
        }
        if (draft != null) {
            rules.add(draft.build());
        }
        return new ErrorTable(errnos, rules);
    }

    /** {@code errno SYMBOL linux macos windows description...} */
    private static Errno parseErrno(String line) {
        String[] f = line.split("\\s+", 6);
        if (f.length != 6) {
            throw new IllegalArgumentException("errno lines have: symbol linux macos windows description");
        }
        return new Errno(f[1], Integer.parseInt(f[2]), Integer.parseInt(f[3]), Integer.parseInt(f[4]), f[5]);
    }

    /** Columns are separated by a bar with white space around it; a bar inside a regex has none. */
    private static final Pattern COLUMN = Pattern.compile("\\s+\\|\\s+");

    /** {@code rule id | ops | exception | message | errno | confidence [| condition]} plus its text lines. */
    private static final class RuleDraft {
        final String id;
        final Set<Op> ops = EnumSet.noneOf(Op.class);
        final String exception;
        final Pattern message;
        final Errno errno;
        final String confidence;
        final Facts.Condition condition;
        String diagnosis;
        String hint;

        final int line;

        RuleDraft(String spec, Map<String, Errno> errnos, int line) {
            this.line = line;
            String[] f = COLUMN.split(spec, -1);
            if (f.length < 6 || f.length > 7) {
                throw new IllegalArgumentException("rule lines have: id | ops | exception | message | errno | confidence [| condition]");
            }
            id = f[0].strip();
            for (String op : f[1].strip().split(",")) {
                if (!op.strip().equals("*")) {
                    ops.add(Op.fromLabel(op.strip()));
                }
            }
            exception = any(f[2]) ? null : f[2].strip();
            String msg = f[3].strip();
            message = msg.equals("*") ? null
                    : msg.equals("null") ? Rule.NULL_MESSAGE
                    : Pattern.compile(msg, Pattern.CASE_INSENSITIVE);
            String e = f[4].strip();
            errno = e.equals("-") ? null : errnos.get(e);
            if (!e.equals("-") && errno == null) {
                throw new IllegalArgumentException("rule " + id + " names errno " + e + ", which is not in the catalogue");
            }
            confidence = f[5].strip();
            if (!confidence.equals("exact") && !confidence.equals("inferred")) {
                throw new IllegalArgumentException("confidence is exact or inferred, not " + confidence);
            }
            condition = f.length == 7 ? Facts.Condition.valueOf(f[6].strip().toUpperCase(Locale.ROOT)) : null;
        }

        private static boolean any(String field) {
            return field.strip().equals("*");
        }

        Rule build() {
            if (diagnosis == null || hint == null) {
                throw new IllegalArgumentException(RESOURCE + " line " + line + ": rule " + id
                        + " needs a diagnosis line and a hint line");
            }
            return new Rule(id, Collections.unmodifiableSet(ops), exception, message, errno, confidence,
                    condition, diagnosis, hint);
        }
    }
}
