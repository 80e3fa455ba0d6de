package org.softprompt.data;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** A (subject, predicate, object) triple of a table-to-text input (WebNLG, DART). */
public record Triple(String subject, String predicate, String object) {

    /** {@code subject : predicate : object}, the per-triple format of Li &amp; Liang's WebNLG and DART inputs. */
    public String linearized() {
        return subject + " : " + predicate + " : " + object;
    }

    /** Triples joined with {@code " | "}: {@code s1 : p1 : o1 | s2 : p2 : o2}. */
    public static String linearize(List<Triple> triples) {
        return triples.stream().map(Triple::linearized).collect(Collectors.joining(" | "));
    }

    /** Parses the WebNLG/DART XML form {@code subject | predicate | object}. */
    static Triple parse(String text, Path file, String where) {
        String[] parts = text.strip().split(" \\| ", -1);
        if (parts.length != 3) {
            throw DataException.at(file, 0, where + ": expected a triple 'subject | predicate | object', found '"
                    + text.strip() + "'");
        }
        return new Triple(parts[0].strip(), parts[1].strip(), parts[2].strip());
    }
}
