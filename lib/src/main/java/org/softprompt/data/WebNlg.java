package org.softprompt.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * WebNLG Challenge 2017 (Gardent et al. 2017), the official XML release, as used by Prefix-Tuning: train 6,940
 * entries, dev 872, test 1,862 of which 971 are in the 10 categories seen in training (S) and 891 in 5 unseen
 * categories (U); A = all. Reads {@code webnlg2017/} of the data directory.
 *
 * <p>Inputs are the modified triple sets ({@code mtriple}), the ones the challenge asks systems to verbalize.
 */
public final class WebNlg {
    public static final String SPLIT_NOTE = "WebNLG 2017 official splits: train 6,940 / dev 872 / test 1,862 "
            + "(seen categories 971 + unseen categories 891; seen = the 10 categories of the training data).";

    private WebNlg() {}

    /** A reference text; {@code comment} is "good" or "toFix" as annotated in the release. */
    public record Lexicalisation(String id, String comment, String text) {}

    /** One input triple set with its references. {@code seen} tells whether its category occurs in training. */
    public record Entry(String id, String category, int size, List<Triple> triples,
            List<Lexicalisation> lexicalisations, boolean seen) {
        public Entry {
            triples = List.copyOf(triples);
            lexicalisations = List.copyOf(lexicalisations);
        }

        /** {@code s : p : o | s : p : o}; Li &amp; Liang also put a " | " before the first triple. */
        public String linearized() {
            return Triple.linearize(triples);
        }

        /** The lexicalisations annotated "good": Li &amp; Liang train on these only (all test ones are good). */
        public List<String> references() {
            return lexicalisations.stream().filter(l -> "good".equals(l.comment())).map(Lexicalisation::text)
                    .toList();
        }
    }

    /** The three official parts and the categories seen in training. */
    public record Data(List<Entry> train, List<Entry> dev, List<Entry> test, Set<String> seenCategories) {
        public Data {
            train = List.copyOf(train);
            dev = List.copyOf(dev);
            test = List.copyOf(test);
            seenCategories = Set.copyOf(seenCategories);
        }

        /** Test entries whose category is among the 10 training categories (Prefix-Tuning's "S"). */
        public List<Entry> testSeen() {
            return test.stream().filter(Entry::seen).toList();
        }

        /** Test entries of the 5 categories absent from training (Prefix-Tuning's "U"). */
        public List<Entry> testUnseen() {
            return test.stream().filter(e -> !e.seen()).toList();
        }

        public Split<Entry> split() {
            return new Split<>(train, dev, test, SPLIT_NOTE);
        }
    }

    public static Data load() {
        return load(DataFiles.dataset("webnlg2017"));
    }

    /** As {@link #load()}, from a folder with {@code train/}, {@code dev/} and {@code test/testdata_with_lex.xml}. */
    public static Data load(Path folder) {
        List<Entry> train = readFolder(folder.resolve("train"), "train");
        Set<String> seen = new TreeSet<>();
        train.forEach(e -> seen.add(e.category()));
        train = withSeen(train, seen);
        List<Entry> dev = withSeen(readFolder(folder.resolve("dev"), "dev"), seen);
        List<Entry> test = withSeen(readFile(folder.resolve("test").resolve("testdata_with_lex.xml"), "test"), seen);
        return new Data(train, dev, test, seen);
    }

    /** The entries of {@code <k>triples/*.xml} for k = 1..7, in folder and file-name order. */
    static List<Entry> readFolder(Path folder, String part) {
        DataFiles.requireDirectory(folder, "the WebNLG " + part + " folder with 1triples/ .. 7triples/");
        List<Entry> entries = new ArrayList<>();
        for (int k = 1; k <= 7; k++) {
            Path sub = folder.resolve(k + "triples");
            for (Path file : DataFiles.listFiles(sub, ".xml", "WebNLG " + part + " XML files with " + k + " triples")) {
                entries.addAll(readFile(file, part));
            }
        }
        return DataFiles.nonEmpty(entries, folder, "WebNLG " + part + " entries");
    }

    /** The entries of one WebNLG XML file; ids are prefixed with the part and file so they stay unique. */
    static List<Entry> readFile(Path file, String part) {
        String expected = "a WebNLG XML file (<benchmark><entries><entry>...)";
        Document doc = DataFiles.readXml(file, expected);
        NodeList nodes = doc.getElementsByTagName("entry");
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            Element entry = (Element) nodes.item(i);
            String eid = entry.getAttribute("eid");
            String where = "entry " + (eid.isEmpty() ? "#" + (i + 1) : eid);
            String category = requireAttribute(entry, "category", file, where);
            List<Triple> triples = new ArrayList<>();
            NodeList mtriples = entry.getElementsByTagName("mtriple");
            for (int t = 0; t < mtriples.getLength(); t++) {
                triples.add(Triple.parse(mtriples.item(t).getTextContent(), file, where));
            }
            if (triples.isEmpty()) {
                throw DataException.at(file, 0, where + ": no <mtriple> in <modifiedtripleset>");
            }
            List<Lexicalisation> lexes = new ArrayList<>();
            NodeList lexNodes = entry.getElementsByTagName("lex");
            for (int l = 0; l < lexNodes.getLength(); l++) {
                Element lex = (Element) lexNodes.item(l);
                lexes.add(new Lexicalisation(lex.getAttribute("lid"), lex.getAttribute("comment"),
                        lex.getTextContent().strip()));
            }
            int size = triples.size();
            String sizeText = entry.getAttribute("size");
            if (!sizeText.isEmpty() && Integer.parseInt(sizeText) != size) {
                throw DataException.at(file, 0, where + ": size=" + sizeText + " but " + size + " triples");
            }
            String id = part + "/" + file.getFileName() + "/" + eid;
            entries.add(new Entry(id, category, size, triples, lexes, false));
        }
        return DataFiles.nonEmpty(entries, file, expected);
    }

    private static List<Entry> withSeen(List<Entry> entries, Set<String> seen) {
        return entries.stream().map(e -> new Entry(e.id(), e.category(), e.size(), e.triples(), e.lexicalisations(),
                seen.contains(e.category()))).toList();
    }

    private static String requireAttribute(Element element, String name, Path file, String where) {
        String value = element.getAttribute(name);
        if (value.isEmpty()) {
            throw DataException.at(file, 0, where + ": missing attribute '" + name + "'");
        }
        return value;
    }
}
