package io.socketdoctor.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.socketdoctor.docs.Repo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's option table is written by hand, for people; {@link Option} is what the agent
 * accepts. This test keeps the two in step: the same keys, the same defaults, and for options
 * that take one of a few words, the same words. Without it, an option added to the code would be
 * missing from the only page an on-call engineer reads, or a changed default would be documented
 * wrong.
 */
class ReadmeOptionsTest {

    /** The header row that starts the option table in README.md. */
    private static final String HEADER = "| option | values | default | what it does |";
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");
    /** "(100MB when not given)": an option without a default in code documents its effective one there. */
    private static final Pattern WHEN_NOT_GIVEN = Pattern.compile("\\((\\S+) when not given\\)");

    @Test
    void theReadmeTableHasEveryOptionAndNoOther() throws IOException {
        Map<String, List<String>> rows = readmeRows();
        TreeSet<String> inCode = new TreeSet<>();
        for (Option option : Option.values()) {
            inCode.add(option.key());
        }
        TreeSet<String> missing = new TreeSet<>(inCode);
        missing.removeAll(rows.keySet());
        TreeSet<String> unknown = new TreeSet<>(rows.keySet());
        unknown.removeAll(inCode);
        assertEquals(inCode, new TreeSet<>(rows.keySet()), "README.md's option table lacks " + missing
                + " and has " + unknown + " that config/Option.java does not know");
    }

    @Test
    void theReadmeTableGivesEachOptionsDefault() throws IOException {
        Map<String, List<String>> rows = readmeRows();
        for (Option option : Option.values()) {
            List<String> row = rows.get(option.key());
            if (row == null) {
                continue; // the test above names it
            }
            assertEquals(expectedDefault(option), strip(row.get(2)), "default of " + option.key() + " in README.md");
        }
    }

    @Test
    void theReadmeTableListsTheWordsAChoiceTakes() throws IOException {
        Map<String, List<String>> rows = readmeRows();
        for (Option option : Option.values()) {
            List<String> row = rows.get(option.key());
            if (row == null || option.choices().isEmpty()) {
                continue;
            }
            List<String> documented = new ArrayList<>();
            Matcher m = CODE.matcher(row.get(1));
            while (m.find()) {
                documented.add(m.group(1));
            }
            assertEquals(option.choices(), documented, "values of " + option.key() + " in README.md");
        }
    }

    /**
     * What the README's default column must say: the code's default, else the effective one the
     * code's description of accepted values names, else "none" or "off" (an option that is off).
     */
    private static String expectedDefault(Option option) {
        if (!option.defaultValue().isEmpty()) {
            return option.defaultValue();
        }
        Matcher m = WHEN_NOT_GIVEN.matcher(option.accepted());
        if (m.find()) {
            return m.group(1);
        }
        return option == Option.PROMETHEUS ? "off" : "none";
    }

    /** The option table's rows by key (first cell, without its backticks); cells trimmed. */
    static Map<String, List<String>> readmeRows() throws IOException {
        List<String> lines = Files.readAllLines(Repo.root().resolve("README.md"), StandardCharsets.UTF_8);
        int header = lines.indexOf(HEADER);
        assertTrue(header >= 0, "README.md has no option table starting with " + HEADER);
        Map<String, List<String>> rows = new LinkedHashMap<>();
        for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            List<String> cells = cells(lines.get(i));
            assertEquals(4, cells.size(), "README.md line " + (i + 1) + " is not a row of four cells");
            String key = strip(cells.get(0));
            assertFalse(rows.containsKey(key), key + " appears twice in README.md's option table");
            rows.put(key, cells);
        }
        return rows;
    }

    /** Splits a table row at '|' outside code spans (a cell may show `a|b`). */
    private static List<String> cells(String row) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean code = false;
        for (char c : row.substring(1, row.lastIndexOf('|')).toCharArray()) {
            if (c == '`') {
                code = !code;
            }
            if (c == '|' && !code) {
                cells.add(cell.toString().trim());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        cells.add(cell.toString().trim());
        return cells;
    }

    private static String strip(String cell) {
        return cell.replace("`", "").trim();
    }
}
