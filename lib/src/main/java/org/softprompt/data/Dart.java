package org.softprompt.data;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * DART v1.1.1 (Nan et al. 2021), open-domain triple sets to text, as used by Prefix-Tuning. Reads {@code dart/}
 * of the data directory: the official dev set (JSON, or XML) and test set (XML; its JSON form is not shipped).
 * The official training set is missing, so the substitute split trains on dev (see {@link #SPLIT_NOTE}).
 */
public final class Dart {
    public static final String SPLIT_NOTE = "DART has no train set here: train on the official dev set "
            + "(2,768 triple sets, 6,980 references), test on the official test set (5,097 triple sets, "
            + "12,552 references).";

    static final String DEV_JSON = "dart-v1.1.1-full-dev.json";
    static final String DEV_XML = "dart-v1.1.1-full-dev.xml";
    static final String TEST_XML = "dart-v1.1.1-full-test.xml";

    private Dart() {}

    /** A reference and the corpus it came from (e.g. "WikiSQL_decl_sents"). */
    public record Annotation(String source, String text) {}

    /** One triple set with its references. */
    public record Entry(String id, List<Triple> triples, List<Annotation> annotations) {
        public Entry {
            triples = List.copyOf(triples);
            annotations = List.copyOf(annotations);
        }

        /** Li &amp; Liang's DART input: {@code s : p : o | ...} with predicates lower-cased. */
        public String linearized() {
            return triples.stream()
                    .map(t -> t.subject() + " : " + t.predicate().toLowerCase(Locale.ROOT) + " : " + t.object())
                    .collect(Collectors.joining(" | "));
        }

        public List<String> references() {
            return annotations.stream().map(Annotation::text).toList();
        }
    }

    /** Train = official dev (read from JSON when present, else XML), test = official test (XML). */
    public static Split<Entry> load() {
        return load(DataFiles.dataset("dart"));
    }

    public static Split<Entry> load(Path folder) {
        List<Entry> dev = Files.isRegularFile(folder.resolve(DEV_JSON)) ? readJson(folder.resolve(DEV_JSON))
                : readXml(folder.resolve(DEV_XML));
        return new Split<>(dev, List.of(), readXml(folder.resolve(TEST_XML)), SPLIT_NOTE);
    }

    /** DART's JSON: a list of {tripleset: [[s,p,o]...], annotations: [{source,text}...]}. */
    public static List<Entry> readJson(Path file) {
        String expected = "a DART JSON file: a list of {\"tripleset\": [[s, p, o], ...], \"annotations\": [...]}";
        JsonElement root = DataFiles.readJson(file, expected);
        if (!root.isJsonArray()) {
            throw DataException.at(file, 0, "expected a JSON list (" + expected + ")");
        }
        List<Entry> entries = new ArrayList<>();
        int index = 0;
        for (JsonElement element : root.getAsJsonArray()) {
            index++;
            String where = "record " + index;
            if (!element.isJsonObject()) {
                throw DataException.at(file, 0, where + ": expected an object (" + expected + ")");
            }
            JsonObject object = element.getAsJsonObject();
            List<Triple> triples = new ArrayList<>();
            for (JsonElement t : DataFiles.array(object, "tripleset", file, where)) {
                JsonArray parts = t.isJsonArray() ? t.getAsJsonArray() : null;
                if (parts == null || parts.size() != 3) {
                    throw DataException.at(file, 0, where + ": a tripleset item should be [subject, predicate, "
                            + "object], found " + t);
                }
                triples.add(new Triple(parts.get(0).getAsString(), parts.get(1).getAsString(),
                        parts.get(2).getAsString()));
            }
            List<Annotation> annotations = new ArrayList<>();
            for (JsonElement a : DataFiles.array(object, "annotations", file, where)) {
                JsonObject annotation = a.getAsJsonObject();
                String text = DataFiles.string(annotation, "text", file, 0).strip();
                if (!text.isEmpty()) {
                    annotations.add(new Annotation(DataFiles.string(annotation, "source", file, 0), text));
                }
            }
            entries.add(entry("Id" + index, triples, annotations, file, where));
        }
        return DataFiles.nonEmpty(entries, file, expected);
    }

    /** DART's WebNLG-style XML; empty {@code <lex>} elements (one in the test set) are skipped. */
    public static List<Entry> readXml(Path file) {
        String expected = "a DART XML file (<benchmark><entries><entry>...)";
        Document doc = DataFiles.readXml(file, expected);
        NodeList nodes = doc.getElementsByTagName("entry");
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element entry = (Element) nodes.item(i);
            String id = entry.getAttribute("eid").isEmpty() ? "Id" + (i + 1) : entry.getAttribute("eid");
            String where = "entry " + id;
            List<Triple> triples = new ArrayList<>();
            NodeList mtriples = entry.getElementsByTagName("mtriple");
            for (int t = 0; t < mtriples.getLength(); t++) {
                triples.add(Triple.parse(mtriples.item(t).getTextContent(), file, where));
            }
            List<Annotation> annotations = new ArrayList<>();
            NodeList lexes = entry.getElementsByTagName("lex");
            for (int l = 0; l < lexes.getLength(); l++) {
                Element lex = (Element) lexes.item(l);
                String text = lex.getTextContent().strip();
                if (!text.isEmpty()) {
                    annotations.add(new Annotation(lex.getAttribute("comment"), text));
                }
            }
            entries.add(entry(id, triples, annotations, file, where));
        }
        return DataFiles.nonEmpty(entries, file, expected);
    }

    private static Entry entry(String id, List<Triple> triples, List<Annotation> annotations, Path file,
            String where) {
        if (triples.isEmpty()) {
            throw DataException.at(file, 0, where + ": no triples");
        }
        if (annotations.isEmpty()) {
            throw DataException.at(file, 0, where + ": no non-empty reference");
        }
        return new Entry(id, triples, annotations);
    }
}
