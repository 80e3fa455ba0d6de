package org.softprompt.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Sentence and sentence-pair classification sets of the null-prompt / BitFit / LM-BFF few-shot experiments:
 * SST-2 ({@code sst2/}), MRPC ({@code mrpc/}) and, from {@code nltk/}, MR, Subj, TREC, CR and RTE-1..3.
 *
 * <p>Labels are words rather than the files' codes so notebooks can print them and pick label words:
 * SST-2, MR, CR "negative"/"positive"; Subj "subjective"/"objective"; TREC the six coarse classes ABBR, DESC,
 * ENTY, HUM, LOC, NUM; MRPC "not_equivalent"/"equivalent"; RTE "entailment"/"not_entailment".
 *
 * <p>MR, Subj and CR have no official test set; like LM-BFF (whose test sets have 2,000 sentences each) the
 * {@code ...Split(seed)} methods hold out 2,000 sentences with a seed.
 */
public final class TextClassification {
    public static final List<String> SENTIMENT_LABELS = List.of("negative", "positive");
    public static final List<String> SUBJ_LABELS = List.of("subjective", "objective");
    public static final List<String> TREC_LABELS = List.of("ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM");
    public static final List<String> MRPC_LABELS = List.of("not_equivalent", "equivalent");
    public static final List<String> RTE_LABELS = List.of("entailment", "not_entailment");

    /** Held-out test size for MR, Subj and CR (LM-BFF's). */
    public static final int SUBSTITUTE_TEST_SIZE = 2000;

    private static final Pattern CR_OPINION = Pattern.compile("\\[([+-])(\\d)\\]");

    private final Path root;

    private TextClassification(Path root) {
        this.root = root;
    }

    /** Reads from the data directory. */
    public static TextClassification open() {
        return new TextClassification(DataDirectory.root());
    }

    /** Reads from a folder laid out like the data directory ({@code sst2/}, {@code mrpc/}, {@code nltk/...}). */
    public static TextClassification open(Path dataRoot) {
        return new TextClassification(dataRoot);
    }

    public record LabeledText(String text, String label) {}

    public record TextPair(String first, String second, String label) {}

    public enum Sst2Split {
        /** ALPS's re-split of GLUE's training set: 60,614 sentences (phrases included, as in GLUE). */
        TRAIN("train.tsv"),
        /** The rest of GLUE's training set: 6,735 sentences. */
        DEV("dev.tsv"),
        /** GLUE's dev set, 872 sentences: the test set of LM-BFF and null prompts. */
        TEST("test.tsv");

        final String file;

        Sst2Split(String file) {
            this.file = file;
        }
    }

    public enum MrpcSplit {
        TRAIN("msr_paraphrase_train.txt"), TEST("msr_paraphrase_test.txt");

        final String file;

        MrpcSplit(String file) {
            this.file = file;
        }
    }

    public enum TrecSplit {
        TRAIN("train.txt"), TEST("test.txt");

        final String file;

        TrecSplit(String file) {
            this.file = file;
        }
    }

    public List<LabeledText> sst2(Sst2Split split) {
        Path file = root.resolve("sst2").resolve(split.file);
        String expected = "SST-2 TSV with header 'sentence<TAB>label' and labels 0/1";
        List<String> lines = DataFiles.readLines(file, expected);
        if (lines.isEmpty() || !lines.get(0).strip().equals("sentence\tlabel")) {
            throw DataException.at(file, 1, "expected the header 'sentence<TAB>label'");
        }
        List<LabeledText> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] parts = lines.get(i).split("\t");
            if (parts.length != 2 || !(parts[1].strip().equals("0") || parts[1].strip().equals("1"))) {
                throw DataException.at(file, i + 1, "expected 'sentence<TAB>0|1', found '" + lines.get(i) + "'");
            }
            out.add(new LabeledText(parts[0].strip(), SENTIMENT_LABELS.get(Integer.parseInt(parts[1].strip()))));
        }
        return DataFiles.nonEmpty(out, file, expected);
    }

    /** MRPC's original release (train 4,076, test 1,725); GLUE's 408 dev pairs are a subset of train. */
    public List<TextPair> mrpc(MrpcSplit split) {
        Path file = root.resolve("mrpc").resolve(split.file);
        String expected = "MRPC 'Quality<TAB>#1 ID<TAB>#2 ID<TAB>#1 String<TAB>#2 String' lines";
        List<String> lines = DataFiles.readLines(file, expected);
        if (lines.isEmpty() || !lines.get(0).startsWith("Quality\t")) {
            throw DataException.at(file, 1, "expected the header starting with 'Quality<TAB>'");
        }
        List<TextPair> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            // Split on tabs only: the strings contain quote characters that CSV parsers would misread.
            String[] parts = lines.get(i).split("\t", -1);
            if (parts.length != 5 || !(parts[0].equals("0") || parts[0].equals("1"))) {
                throw DataException.at(file, i + 1, "expected 5 tab-separated fields with quality 0|1");
            }
            out.add(new TextPair(parts[3].strip(), parts[4].strip(), MRPC_LABELS.get(Integer.parseInt(parts[0]))));
        }
        return DataFiles.nonEmpty(out, file, expected);
    }

    /** MR (Pang &amp; Lee 2005, sentence_polarity): 5,331 negative then 5,331 positive snippets. */
    public List<LabeledText> mr() {
        Path dir = root.resolve("nltk").resolve("sentence_polarity");
        List<LabeledText> out = new ArrayList<>();
        out.addAll(lines(dir.resolve("rt-polarity.neg"), "negative", "MR negative snippets, one per line"));
        out.addAll(lines(dir.resolve("rt-polarity.pos"), "positive", "MR positive snippets, one per line"));
        return List.copyOf(out);
    }

    public Split<LabeledText> mrSplit(long seed) {
        return Splits.holdOut(mr(), seed, SUBSTITUTE_TEST_SIZE, "MR has no official split: " + SUBSTITUTE_TEST_SIZE
                + " of its 10,662 sentences held out as test (seed " + seed + "), as LM-BFF's 8,662/2,000.");
    }

    /** Subj (Pang &amp; Lee 2004): 5,000 subjective (review quotes) then 5,000 objective (plot) sentences. */
    public List<LabeledText> subj() {
        Path dir = root.resolve("nltk").resolve("subjectivity");
        List<LabeledText> out = new ArrayList<>();
        out.addAll(lines(dir.resolve("quote.tok.gt9.5000"), "subjective", "Subj subjective sentences"));
        out.addAll(lines(dir.resolve("plot.tok.gt9.5000"), "objective", "Subj objective sentences"));
        return List.copyOf(out);
    }

    public Split<LabeledText> subjSplit(long seed) {
        return Splits.holdOut(subj(), seed, SUBSTITUTE_TEST_SIZE, "Subj has no official split: "
                + SUBSTITUTE_TEST_SIZE + " of its 10,000 sentences held out as test (seed " + seed
                + "), as LM-BFF's 8,000/2,000.");
    }

    /** TREC question classification (Li &amp; Roth): train 5,452, test 500; coarse labels. */
    public List<LabeledText> trec(TrecSplit split) {
        Path file = root.resolve("nltk").resolve("qc").resolve(split.file);
        String expected = "TREC lines 'COARSE:fine question'";
        List<String> lines = DataFiles.readLines(file, expected);
        List<LabeledText> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            int colon = line.indexOf(':');
            int space = line.indexOf(' ');
            if (colon <= 0 || space < colon || !TREC_LABELS.contains(line.substring(0, colon))) {
                throw DataException.at(file, i + 1, "expected 'COARSE:fine question' with COARSE one of "
                        + TREC_LABELS + ", found '" + line + "'");
            }
            out.add(new LabeledText(line.substring(space + 1).strip(), line.substring(0, colon)));
        }
        return DataFiles.nonEmpty(out, file, expected);
    }

    /**
     * CR, derived from Hu &amp; Liu's annotated customer reviews ({@code product_reviews_1} and {@code _2}, 14
     * products): every review sentence ({@code annotations##sentence}) with at least one opinion tag
     * {@code feature[+n]} or {@code feature[-n]} is labelled by the sign of the sum of its signed strengths;
     * sentences whose strengths cancel out are dropped. This gives 3,786 sentences (2,415 positive, 1,371
     * negative), close to but not identical with the 3,775 (2,406/1,369) of the preprocessed CR release used by
     * SentEval and LM-BFF, whose exact rules are not published.
     */
    public List<LabeledText> cr() {
        List<LabeledText> out = new ArrayList<>();
        for (String folder : List.of("product_reviews_1", "product_reviews_2")) {
            Path dir = root.resolve("nltk").resolve(folder);
            for (Path file : DataFiles.listFiles(dir, ".txt", "Hu & Liu annotated review files")) {
                if (file.getFileName().toString().startsWith("README")) {
                    continue;
                }
                for (String line : DataFiles.readLines(file, "Hu & Liu review lines 'annotations##sentence'")) {
                    int mark = line.indexOf("##");
                    if (mark < 0) {
                        continue;
                    }
                    Matcher m = CR_OPINION.matcher(line.substring(0, mark));
                    int sum = 0;
                    boolean tagged = false;
                    while (m.find()) {
                        tagged = true;
                        int strength = Integer.parseInt(m.group(2));
                        sum += m.group(1).equals("+") ? strength : -strength;
                    }
                    String sentence = line.substring(mark + 2).strip();
                    if (tagged && sum != 0 && !sentence.isEmpty()) {
                        out.add(new LabeledText(sentence, sum > 0 ? "positive" : "negative"));
                    }
                }
            }
        }
        return DataFiles.nonEmpty(out, root.resolve("nltk").resolve("product_reviews_1"), "opinion-tagged sentences");
    }

    public Split<LabeledText> crSplit(long seed) {
        List<LabeledText> all = cr();
        return Splits.holdOut(all, seed, SUBSTITUTE_TEST_SIZE, "CR (derived from Hu & Liu's annotated reviews, "
                + all.size() + " sentences) has no official split: " + SUBSTITUTE_TEST_SIZE
                + " held out as test (seed " + seed + "), as LM-BFF's 1,775/2,000.");
    }

    /**
     * PASCAL RTE-1, -2 or -3 ({@code nltk/rte/rte<k>_{dev,test}.xml}): text, hypothesis and the gold label.
     * The dev pairs reappear in GLUE/SuperGLUE RTE (measured: 1,545 of the 1,767 in its train set, 172 in its
     * validation set, the few-shot papers' test set); the test pairs do not. Never train on RTE-1..3 dev and test
     * on SuperGLUE RTE validation.
     */
    public List<TextPair> rte(int challenge, boolean test) {
        if (challenge < 1 || challenge > 3) {
            throw new IllegalArgumentException("RTE challenge must be 1, 2 or 3, got " + challenge);
        }
        Path file = root.resolve("nltk").resolve("rte").resolve("rte" + challenge + (test ? "_test.xml" : "_dev.xml"));
        String expected = "RTE XML <pair value|entailment=...><t>..</t><h>..</h></pair>";
        Document doc = DataFiles.readXml(file, expected);
        NodeList pairs = doc.getElementsByTagName("pair");
        List<TextPair> out = new ArrayList<>();
        for (int i = 0; i < pairs.getLength(); i++) {
            Element pair = (Element) pairs.item(i);
            String gold = !pair.getAttribute("value").isEmpty() ? pair.getAttribute("value")
                    : pair.getAttribute("entailment");
            String label = switch (gold) {
                case "TRUE", "YES" -> "entailment";
                case "FALSE", "NO" -> "not_entailment";
                default -> throw DataException.at(file, 0, "pair " + pair.getAttribute("id")
                        + ": expected value=TRUE|FALSE or entailment=YES|NO, found '" + gold + "'");
            };
            out.add(new TextPair(child(pair, "t", file), child(pair, "h", file), label));
        }
        return DataFiles.nonEmpty(out, file, expected);
    }

    private static String child(Element pair, String tag, Path file) {
        NodeList nodes = pair.getElementsByTagName(tag);
        if (nodes.getLength() != 1) {
            throw DataException.at(file, 0, "pair " + pair.getAttribute("id") + ": expected one <" + tag + ">");
        }
        return nodes.item(0).getTextContent().strip();
    }

    private static List<LabeledText> lines(Path file, String label, String expected) {
        List<LabeledText> out = new ArrayList<>();
        for (String line : DataFiles.readLines(file, expected)) {
            if (!line.isBlank()) {
                out.add(new LabeledText(line.strip(), label));
            }
        }
        return DataFiles.nonEmpty(out, file, expected);
    }
}
