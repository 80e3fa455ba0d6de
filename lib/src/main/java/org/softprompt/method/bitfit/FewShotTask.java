package org.softprompt.method.bitfit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.softprompt.data.DataDirectory;
import org.softprompt.data.FewShot;
import org.softprompt.data.Split;
import org.softprompt.data.Splits;
import org.softprompt.data.SuperGlue;
import org.softprompt.data.SuperGlue.FewGlueSplit;
import org.softprompt.data.TextClassification;
import org.softprompt.data.TextClassification.LabeledText;
import org.softprompt.data.TextClassification.TextPair;
import org.softprompt.task.prompt.Template;

/**
 * One classification task of Logan IV et al.'s few-shot study, with the prompts their comparison needs: the manual
 * template and label words (LM-BFF's / PET's, with words that are single tokens of BERT-base-cased), the null
 * prompt (the inputs and [MASK], nothing else), the pool the k-shot training sets are drawn from and the test set.
 *
 * @param name e.g. "SST-2"
 * @param labels the labels in a fixed order
 * @param manualTemplate e.g. "{sentence} It was [MASK] ."
 * @param labelWords one word per label (manual verbalizer), in label order
 * @param nullTemplate e.g. "{sentence} [MASK]" or "{premise} [MASK] {hypothesis}"
 * @param pool where few-shot training sets are sampled from
 * @param test the evaluation set
 * @param note where pool and test come from
 */
public record FewShotTask(String name, List<String> labels, String manualTemplate, Map<String, String> labelWords,
        String nullTemplate, List<Example> pool, List<Example> test, String note) {

    /** An input (field name to text) and its gold label. */
    public record Example(Map<String, String> fields, String label) {
        public Example {
            fields = Map.copyOf(fields);
        }
    }

    public FewShotTask {
        labels = List.copyOf(labels);
        labelWords = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labelWords));
        pool = List.copyOf(pool);
        test = List.copyOf(test);
        if (!labelWords.keySet().equals(new java.util.HashSet<>(labels))) {
            throw new IllegalArgumentException(name + ": label words " + labelWords.keySet() + " do not match the "
                    + "labels " + labels);
        }
        if (!new java.util.HashSet<>(Template.parse(manualTemplate).fields())
                .equals(new java.util.HashSet<>(Template.parse(nullTemplate).fields()))) {
            throw new IllegalArgumentException(name + ": the manual template \"" + manualTemplate + "\" and the null "
                    + "template \"" + nullTemplate + "\" use different fields");
        }
    }

    /** The tasks {@link #load} knows, in the paper's order. */
    public static List<String> names() {
        return List.of("SST-2", "MR", "CR", "Subj", "TREC", "MRPC", "RTE", "BoolQ", "CB", "WiC");
    }

    /**
     * Loads a task from the data directory. GLUE-style tasks draw their k-shot sets from the training data and test
     * on LM-BFF's test sets (SST-2: GLUE dev, 872; MR, CR, Subj: 2,000 held out with seed 42; TREC and MRPC: their
     * test sets); SuperGLUE tasks draw from FewGLUE's 32 training plus 32 dev examples (all the labelled data kept
     * here) and test on the SuperGLUE validation set.
     */
    public static FewShotTask load(String name) {
        return load(name, DataDirectory.root());
    }

    /** {@link #load(String)} from the data directory {@code dataRoot} (holding sst2/, nltk/, superglue/, ...). */
    public static FewShotTask load(String name, Path dataRoot) {
        TextClassification text = TextClassification.open(dataRoot);
        SuperGlue superGlue = SuperGlue.open(dataRoot.resolve("superglue"));
        Map<String, String> sentiment = words("negative", "terrible", "positive", "great");
        return switch (name) {
            case "SST-2" -> single(name, TextClassification.SENTIMENT_LABELS, "{sentence} It was [MASK] .", sentiment,
                    text.sst2(TextClassification.Sst2Split.TRAIN), text.sst2(TextClassification.Sst2Split.TEST),
                    "pool: ALPS's re-split of GLUE train; test: GLUE dev (872)");
            case "MR" -> singleSplit(name, TextClassification.SENTIMENT_LABELS, "{sentence} It was [MASK] .",
                    sentiment, text.mrSplit(42));
            case "CR" -> singleSplit(name, TextClassification.SENTIMENT_LABELS, "{sentence} It was [MASK] .",
                    sentiment, text.crSplit(42));
            case "Subj" -> singleSplit(name, TextClassification.SUBJ_LABELS, "{sentence} This is [MASK] .",
                    words("subjective", "subjective", "objective", "objective"), text.subjSplit(42));
            case "TREC" -> single(name, TextClassification.TREC_LABELS, "{sentence} This asks for a [MASK] .",
                    words("ABBR", "abbreviation", "DESC", "description", "ENTY", "entity", "HUM", "human", "LOC",
                            "location", "NUM", "number"),
                    text.trec(TextClassification.TrecSplit.TRAIN), text.trec(TextClassification.TrecSplit.TEST),
                    "pool: TREC train (5,452); test: TREC test (500)");
            case "MRPC" -> {
                Function<TextPair, Example> pair = p -> new Example(Map.of("sentence1", p.first(), "sentence2",
                        p.second()), p.label());
                yield new FewShotTask(name, TextClassification.MRPC_LABELS, "{sentence1} [MASK] , {sentence2}",
                        words("not_equivalent", "No", "equivalent", "Yes"), "{sentence1} [MASK] {sentence2}",
                        map(text.mrpc(TextClassification.MrpcSplit.TRAIN), pair),
                        map(text.mrpc(TextClassification.MrpcSplit.TEST), pair),
                        "pool: MRPC train (4,076); test: MRPC test (1,725)");
            }
            case "RTE" -> superGlue(name, SuperGlue.RTE_LABELS, "{premise} ? [MASK] , {hypothesis}",
                    words("entailment", "Yes", "not_entailment", "No"), "{premise} [MASK] {hypothesis}",
                    split -> map(superGlue.rte(split), r -> new Example(Map.of("premise", r.premise(),
                            "hypothesis", r.hypothesis()), r.label())));
            case "CB" -> superGlue(name, SuperGlue.CB_LABELS, "{premise} ? [MASK] , {hypothesis}",
                    words("contradiction", "No", "entailment", "Yes", "neutral", "Maybe"),
                    "{premise} [MASK] {hypothesis}",
                    split -> map(superGlue.cb(split), r -> new Example(Map.of("premise", r.premise(),
                            "hypothesis", r.hypothesis()), r.label())));
            case "BoolQ" -> superGlue(name, SuperGlue.BOOLQ_LABELS, "{passage} . Question : {question} ? Answer : "
                    + "[MASK] .", words("False", "No", "True", "Yes"), "{passage} [MASK] {question}",
                    split -> map(superGlue.boolq(split), r -> new Example(Map.of("passage", r.passage(),
                            "question", r.question()), r.label())));
            case "WiC" -> superGlue(name, SuperGlue.WIC_LABELS, "{sentence1} {sentence2} Does {word} have the same "
                    + "meaning in both sentences ? [MASK] .", words("False", "No", "True", "Yes"),
                    "{sentence1} [MASK] {sentence2} {word}",
                    split -> map(superGlue.wic(split), r -> new Example(Map.of("sentence1", r.sentence1(),
                            "sentence2", r.sentence2(), "word", r.word()), r.label())));
            default -> throw new IllegalArgumentException("unknown task '" + name + "'; known: " + names());
        };
    }

    /** The field names, in the manual template's order. */
    public List<String> fields() {
        return Template.parse(manualTemplate).fields();
    }

    /**
     * The prompt-tuning template: the null prompt with {@code triggers} learned tokens just before [MASK] (where a
     * manual prompt puts its words), e.g. "{sentence} [P][P][P][P][P] [MASK]".
     */
    public String promptTuningTemplate(int triggers) {
        if (triggers < 1) {
            throw new IllegalArgumentException("prompt tuning needs at least one trigger token, got " + triggers);
        }
        return nullTemplate.replace("[MASK]", "[P]".repeat(triggers) + " [MASK]");
    }

    /**
     * {@code perClass} training examples per label drawn from the pool with {@code seed} (fewer when the pool's
     * smallest class is smaller: CB's 64 labelled examples hold few "neutral" ones).
     */
    public List<Example> sample(int perClass, long seed) {
        int smallest = FewShot.counts(pool, Example::label).values().stream().mapToInt(Integer::intValue).min()
                .orElseThrow();
        return FewShot.sample(pool, Example::label, Math.min(perClass, smallest), seed);
    }

    /** The same task with at most {@code size} test examples, a seeded subsample (all of them if fewer). */
    public FewShotTask capTest(int size, long seed) {
        if (size <= 0 || size >= test.size()) {
            return this;
        }
        return new FewShotTask(name, labels, manualTemplate, labelWords, nullTemplate, pool,
                Splits.subsample(test, size, seed), note + "; test capped at " + size + " of " + test.size()
                + " (seed " + seed + ")");
    }

    private static FewShotTask single(String name, List<String> labels, String manual, Map<String, String> words,
            List<LabeledText> pool, List<LabeledText> test, String note) {
        Function<LabeledText, Example> one = t -> new Example(Map.of("sentence", t.text()), t.label());
        return new FewShotTask(name, labels, manual, words, "{sentence} [MASK]", map(pool, one), map(test, one), note);
    }

    private static FewShotTask singleSplit(String name, List<String> labels, String manual,
            Map<String, String> words, Split<LabeledText> split) {
        List<LabeledText> pool = new ArrayList<>(split.train());
        pool.addAll(split.dev());
        return single(name, labels, manual, words, pool, split.test(), split.splitNote());
    }

    private static FewShotTask superGlue(String name, List<String> labels, String manual, Map<String, String> words,
            String nullTemplate, Function<FewGlueSplit, List<Example>> read) {
        List<Example> pool = new ArrayList<>(read.apply(FewGlueSplit.TRAIN_32));
        pool.addAll(read.apply(FewGlueSplit.DEV_32));
        return new FewShotTask(name, labels, manual, words, nullTemplate, pool, read.apply(FewGlueSplit.VALIDATION),
                "pool: FewGLUE train (32) + dev32 (32); test: SuperGLUE validation");
    }

    private static <T> List<Example> map(List<T> items, Function<T, Example> convert) {
        return items.stream().map(convert).toList();
    }

    private static Map<String, String> words(String... labelWordPairs) {
        Map<String, String> words = new LinkedHashMap<>();
        for (int i = 0; i < labelWordPairs.length; i += 2) {
            words.put(labelWordPairs[i], labelWordPairs[i + 1]);
        }
        return words;
    }
}
