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
    private final Map<String, Note> notes;
    private final List<Library> libraries;
    /** Kind of a failure (part 5) by errno symbol or rule id. */
    private final Map<String, String> kinds;
    /** The texts of a consequence, by the kind of the failure it follows. */
    private final Map<String, Note> afters;
    private final Map<String, String> knobTexts;

    private ErrorTable(Map<String, Errno> errnos, List<Rule> rules, Map<String, Note> notes, List<Library> libraries,
                       Map<String, String> kinds, Map<String, Note> afters, Map<String, String> knobTexts) {
        this.errnos = Collections.unmodifiableMap(errnos);
        this.rules = List.copyOf(rules);
        this.notes = Collections.unmodifiableMap(notes);
        this.libraries = List.copyOf(libraries);
        this.kinds = Collections.unmodifiableMap(kinds);
        this.afters = Collections.unmodifiableMap(afters);
        this.knobTexts = Collections.unmodifiableMap(knobTexts);
    }

    /** The sentence that {@code {knob}} becomes: {@code with-idle}, {@code knob-only} or {@code idle-only}. */
    public String knobText(String which) {
        String text = knobTexts.get(which);
        if (text == null) {
            throw new IllegalArgumentException("no knob-text '" + which + "' in " + RESOURCE);
        }
        return text;
    }

    /** The well-known client libraries, innermost first where one wraps another. */
    public List<Library> libraries() {
        return libraries;
    }

    /**
     * The kind of a failure (part 5: refused, reset, broken_pipe, timeout, closed) by its errno,
     * else by its cause; null when it has none.
     */
    public String kindOf(String errno, String cause) {
        String kind = errno == null ? null : kinds.get(errno);
        return kind != null ? kind : cause == null ? null : kinds.get(cause);
    }

    /** The texts of a consequence of a failure of this kind, or null: a failure of this kind has no consequences. */
    public Note after(String kind) {
        return kind == null ? null : afters.get(kind);
    }

    /**
     * The texts of the events that are not exceptions (warnings, leaks), by id.
     *
     * @param diagnosis what happened; may hold placeholders such as {@code {idle}}
     * @param hint      what to do next
     */
    public record Note(String id, String diagnosis, String hint) {
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

    public Map<String, Note> notes() {
        return notes;
    }

    /** The note with this id; a missing one is a packaging error, caught by the unit tests. */
    public Note note(String id) {
        Note note = notes.get(id);
        if (note == null) {
            throw new IllegalArgumentException("no note '" + id + "' in " + RESOURCE);
        }
        return note;
    }

    static ErrorTable parse(BufferedReader reader) throws IOException {
        Map<String, Errno> errnos = new LinkedHashMap<>();
        List<Rule> rules = new ArrayList<>();
        Map<String, Note> notes = new LinkedHashMap<>();
        List<Library> libraries = new ArrayList<>();
        Map<String, String> kinds = new LinkedHashMap<>();
        Map<String, Note> afters = new LinkedHashMap<>();
        Map<String, String> knobTexts = new LinkedHashMap<>();
        RuleDraft draft = null;
        Set<String> ids = new java.util.HashSet<>();
        int lineNo = 0;
        for (String line; (line = reader.readLine()) != null; ) {
            lineNo++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            if (startsBlock(trimmed) && draft != null) {
                draft.addTo(rules, notes, libraries, afters); // reports its own line if incomplete
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
                } else if (trimmed.startsWith("note ")) {
                    draft = RuleDraft.note(trimmed.substring(5).strip(), lineNo);
                    if (!ids.add(draft.id)) {
                        throw new IllegalArgumentException("rule " + draft.id + " listed twice");
                    }
                } else if (trimmed.startsWith("library ")) {
                    draft = RuleDraft.library(trimmed.substring(8), lineNo);
                } else if (trimmed.startsWith("kind ")) {
                    String[] f = COLUMN.split(trimmed.substring(5), -1);
                    if (f.length != 2) {
                        throw new IllegalArgumentException("kind lines have: name | errnos and rule ids");
                    }
                    for (String member : f[1].split(",")) {
                        if (kinds.put(member.strip(), f[0].strip()) != null) {
                            throw new IllegalArgumentException(member.strip() + " has two kinds");
                        }
                    }
                } else if (trimmed.startsWith("knob-text ")) {
                    String[] f = trimmed.substring(10).strip().split("\\s+", 2);
                    if (f.length != 2 || knobTexts.put(f[0], f[1]) != null) {
                        throw new IllegalArgumentException("knob-text lines have: which sentence, once each");
                    }
                } else if (trimmed.startsWith("after ")) {
                    draft = RuleDraft.after(trimmed.substring(6).strip(), lineNo);
                } else if (draft != null && draft.library != null && trimmed.startsWith("knob ")) {
                    draft.knob = trimmed.substring(5).strip();
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
            draft.addTo(rules, notes, libraries, afters);
        }
        for (String kind : afters.keySet()) {
            if (!kinds.containsValue(kind)) {
                throw new IllegalArgumentException(RESOURCE + ": 'after " + kind + "' names a kind no 'kind' line defines");
            }
        }
        return new ErrorTable(errnos, rules, notes, libraries, kinds, afters, knobTexts);
    }

    private static boolean startsBlock(String line) {
        return line.startsWith("rule ") || line.startsWith("note ") || line.startsWith("library ")
                || line.startsWith("kind ") || line.startsWith("after ") || line.startsWith("knob-text ");
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
        final boolean isNote;
        /** A {@code library} block (its knob line is optional), else null. */
        Library library;
        String knob;
        boolean isAfter;

        /** A {@code note id} block: only the diagnosis and hint lines. */
        static RuleDraft note(String id, int line) {
            return new RuleDraft(id, line);
        }

        /** An {@code after kind} block: the texts of a consequence. */
        static RuleDraft after(String kind, int line) {
            RuleDraft draft = new RuleDraft(kind, line);
            draft.isAfter = true;
            return draft;
        }

        /** {@code library name | prefixes | thread regex or -}, then an optional knob line. */
        static RuleDraft library(String spec, int line) {
            String[] f = COLUMN.split(spec, -1);
            if (f.length != 3) {
                throw new IllegalArgumentException("library lines have: name | package prefixes | thread regex or -");
            }
            List<String> prefixes = new ArrayList<>();
            for (String prefix : f[1].split(",")) {
                prefixes.add(prefix.strip());
            }
            String threads = f[2].strip();
            RuleDraft draft = new RuleDraft(f[0].strip(), line);
            draft.library = new Library(draft.id, List.copyOf(prefixes),
                    threads.equals("-") ? null : Pattern.compile(threads), null);
            return draft;
        }

        private RuleDraft(String id, int line) {
            this.id = id;
            this.line = line;
            this.isNote = true;
            this.exception = null;
            this.message = null;
            this.errno = null;
            this.confidence = null;
            this.condition = null;
        }

        void addTo(List<Rule> rules, Map<String, Note> notes, List<Library> libraries, Map<String, Note> afters) {
            if (library != null) {
                libraries.add(new Library(library.name(), library.packages(), library.threads(), knob));
            } else if (isAfter) {
                complete();
                if (afters.put(id, new Note(id, diagnosis, hint)) != null) {
                    throw new IllegalArgumentException(RESOURCE + " line " + line + ": after " + id + " listed twice");
                }
            } else if (isNote) {
                complete();
                notes.put(id, new Note(id, diagnosis, hint));
            } else {
                rules.add(build());
            }
        }

        private void complete() {
            if (diagnosis == null || hint == null) {
                throw new IllegalArgumentException(RESOURCE + " line " + line + ": " + (isNote ? "note " : "rule ")
                        + id + " needs a diagnosis line and a hint line");
            }
        }

        RuleDraft(String spec, Map<String, Errno> errnos, int line) {
            this.line = line;
            this.isNote = false;
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
            complete();
            return new Rule(id, Collections.unmodifiableSet(ops), exception, message, errno, confidence,
                    condition, diagnosis, hint);
        }
    }
}
