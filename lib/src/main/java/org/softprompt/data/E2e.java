package org.softprompt.data;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;

/**
 * E2E NLG (Novikova, Dušek, Rieser 2017), restaurant meaning representations (MRs) to text, as used by
 * Prefix-Tuning's table-to-text experiments. Reads {@code e2e/original/} of the data directory.
 *
 * <p>The official training set is not in the data directory, so the substitute split (see {@link #SPLIT_NOTE})
 * trains on the official development set and tests on the official multi-reference test set.
 */
public final class E2e {
    public static final String SPLIT_NOTE = "E2E has no train set here: train on the official dev set (4,672 pairs, "
            + "547 MRs), test on the official 630-MR multi-reference test set (testset_w_refs.csv).";

    private static final Pattern ATTRIBUTE = Pattern.compile("\\s*([^\\[\\],]+?)\\s*\\[([^\\]]*)\\]\\s*(,|$)");

    private E2e() {}

    /** One attribute-value pair of an MR, e.g. {@code eatType[coffee shop]}. */
    public record Attribute(String name, String value) {}

    /**
     * One input MR with its human references: a single reference per training pair, all references of the MR for
     * test examples.
     */
    public record Example(String mr, List<Attribute> attributes, List<String> references) {
        public Example {
            attributes = List.copyOf(attributes);
            references = List.copyOf(references);
        }

        /** The MR as Prefix-Tuning feeds it to the model, e.g. {@code name : The Eagle | eatType : coffee shop}. */
        public String linearized() {
            return linearize(attributes);
        }
    }

    /** Train (one example per dev-set pair) and test (one example per test MR, all references). */
    public static Split<Example> load() {
        return load(DataFiles.dataset("e2e"));
    }

    /** As {@link #load()}, from an E2E folder that holds {@code original/devset.csv} and {@code original/testset_w_refs.csv}. */
    public static Split<Example> load(Path e2eFolder) {
        Path original = e2eFolder.resolve("original");
        List<Example> train = readPairs(original.resolve("devset.csv"));
        List<Example> test = groupByMr(readPairs(original.resolve("testset_w_refs.csv")));
        return new Split<>(train, List.of(), test, SPLIT_NOTE);
    }

    /**
     * Linearizes attributes in MR order as {@code name : value | name : value}, the format of Li &amp; Liang's
     * E2E inputs. (Their preprocessed files also rename two attributes, eatType to "Type" and priceRange to
     * "price", and space-tokenize values such as "£ 30"; the MR's own attribute names are kept here.)
     */
    public static String linearize(List<Attribute> attributes) {
        return attributes.stream().map(a -> a.name() + " : " + a.value()).collect(Collectors.joining(" | "));
    }

    /**
     * Parses an MR such as {@code name[The Eagle], eatType[coffee shop], area[riverside]}.
     *
     * @throws IllegalArgumentException if the text is not a comma-separated list of {@code name[value]}
     */
    public static List<Attribute> parseMr(String mr) {
        List<Attribute> attributes = new ArrayList<>();
        Matcher m = ATTRIBUTE.matcher(mr);
        int position = 0;
        while (position < mr.length() && m.find(position) && m.start() == position) {
            attributes.add(new Attribute(m.group(1), m.group(2).strip()));
            position = m.end();
        }
        if (attributes.isEmpty() || position != mr.length()) {
            throw new IllegalArgumentException("Not an E2E MR (expected name[value], name[value], ...): " + mr);
        }
        return List.copyOf(attributes);
    }

    /** The MR/reference pairs of one CSV file (columns {@code mr}, {@code ref}), one example per pair. */
    static List<Example> readPairs(Path file) {
        String expected = "an E2E CSV file with columns mr,ref";
        String text = DataFiles.readText(file, expected);
        List<Example> pairs = new ArrayList<>();
        try (Reader reader = new StringReader(text)) {
            CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get();
            var parser = format.parse(reader);
            Map<String, Integer> header = parser.getHeaderMap();
            for (String column : List.of("mr", "ref")) {
                if (header == null || !header.containsKey(column)) {
                    throw DataException.at(file, 1, "missing column '" + column + "' (expected " + expected
                            + ", found " + (header == null ? "no header" : header.keySet()) + ")");
                }
            }
            for (CSVRecord record : parser) {
                long line = record.getRecordNumber() + 1;
                if (!record.isSet("mr") || !record.isSet("ref")) {
                    throw DataException.at(file, line, "record lacks the mr or ref field (" + expected + ")");
                }
                String mr = record.get("mr").strip();
                String ref = record.get("ref").strip();
                List<Attribute> attributes;
                try {
                    attributes = parseMr(mr);
                } catch (IllegalArgumentException e) {
                    throw DataException.at(file, line, e.getMessage());
                }
                pairs.add(new Example(mr, attributes, List.of(ref)));
            }
        } catch (IOException | IllegalStateException e) {
            if (e instanceof DataException d) {
                throw d;
            }
            throw DataException.at(file, 0, "not a valid CSV file (" + expected + "): " + e.getMessage());
        }
        return DataFiles.nonEmpty(pairs, file, expected);
    }

    /** Multi-reference examples: one per distinct MR, in order of first appearance, references in file order. */
    static List<Example> groupByMr(List<Example> pairs) {
        Map<String, List<Example>> byMr = new LinkedHashMap<>();
        for (Example pair : pairs) {
            byMr.computeIfAbsent(pair.mr(), k -> new ArrayList<>()).add(pair);
        }
        List<Example> grouped = new ArrayList<>();
        for (List<Example> group : byMr.values()) {
            List<String> refs = group.stream().flatMap(e -> e.references().stream()).toList();
            grouped.add(new Example(group.get(0).mr(), group.get(0).attributes(), refs));
        }
        return List.copyOf(grouped);
    }
}
