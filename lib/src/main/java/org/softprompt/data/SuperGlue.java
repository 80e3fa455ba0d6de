package org.softprompt.data;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * SuperGLUE tasks in their original JSON-lines format, as P-tuning, P-tuning v2 and null prompts use them. Reads
 * {@code superglue/fewglue/<Task>/{train,dev32,val}.jsonl} (FewGLUE 32-shot train, FewGLUE_32dev dev32, the official
 * validation sets) and {@code superglue/full/{RTE,WSC}/{train,val}.jsonl} (the full training sets that are present).
 *
 * <p>Labels are strings as PET/P-tuning write them: Python's {@code str()} of the JSON value, so booleans are
 * "True"/"False" (BoolQ, WiC, WSC, MultiRC answers "0"/"1"), COPA "0"/"1", CB and RTE their class names.
 * The full BoolQ, CB, COPA, WiC and MultiRC training sets are absent; {@link #validationAsTrainAndTest} gives the
 * documented substitute.
 */
public final class SuperGlue {
    private final Path folder;

    private SuperGlue(Path folder) {
        this.folder = folder;
    }

    /** The {@code superglue/} folder of the data directory. */
    public static SuperGlue open() {
        return new SuperGlue(DataFiles.dataset("superglue"));
    }

    /** A folder laid out like {@code superglue/} ({@code fewglue/<Task>/...}, {@code full/<Task>/...}). */
    public static SuperGlue open(Path folder) {
        return new SuperGlue(folder);
    }

    /** The FewGLUE files of a task. */
    public enum FewGlueSplit {
        /** The 32 FewGLUE training examples. */
        TRAIN_32("train.jsonl"),
        /** FewGLUE_32dev's 32 development examples (disjoint from TRAIN_32). */
        DEV_32("dev32.jsonl"),
        /** The official SuperGLUE validation set (the usual test set of few-shot papers). */
        VALIDATION("val.jsonl");

        final String file;

        FewGlueSplit(String file) {
            this.file = file;
        }
    }

    /** The full-data files present for RTE and WSC. */
    public enum FullSplit {
        TRAIN("train.jsonl"), VALIDATION("val.jsonl");

        final String file;

        FullSplit(String file) {
            this.file = file;
        }
    }

    public static final List<String> BOOLQ_LABELS = List.of("False", "True");
    public static final List<String> CB_LABELS = List.of("contradiction", "entailment", "neutral");
    public static final List<String> COPA_LABELS = List.of("0", "1");
    public static final List<String> RTE_LABELS = List.of("entailment", "not_entailment");
    public static final List<String> WIC_LABELS = List.of("False", "True");
    public static final List<String> WSC_LABELS = List.of("False", "True");
    public static final List<String> MULTIRC_LABELS = List.of("0", "1");

    public record BoolQ(int idx, String question, String passage, String label) {}

    public record Cb(int idx, String premise, String hypothesis, String label) {}

    /** {@code question} is "cause" or "effect"; {@code label} "0" picks choice1, "1" choice2. */
    public record Copa(int idx, String premise, String choice1, String choice2, String question, String label) {}

    public record Rte(int idx, String premise, String hypothesis, String label) {}

    /** Character offsets {@code [start, end)} of the target word in each sentence. */
    public record Wic(int idx, String word, String sentence1, String sentence2, int start1, int end1, int start2,
            int end2, String label) {}

    /** Span indices are word positions in {@code text} split on spaces. */
    public record Wsc(int idx, String text, String span1Text, int span1Index, String span2Text, int span2Index,
            String label) {}

    /**
     * One answer option of a MultiRC question, flattened as PET does; {@code questionId} (passage/question) groups
     * the answers of one question for the exact-match metric.
     */
    public record MultiRc(int passageIdx, int questionIdx, int answerIdx, String passage, String question,
            String answer, String label) {
        public String questionId() {
            return passageIdx + "/" + questionIdx;
        }
    }

    public List<BoolQ> boolq(FewGlueSplit split) {
        return read(fewGlue("BoolQ", split), "BoolQ {question, passage, label, idx}",
                l -> new BoolQ(l.integer("idx"), l.string("question"), l.string("passage"), l.label("label")));
    }

    public List<Cb> cb(FewGlueSplit split) {
        return read(fewGlue("CB", split), "CB {premise, hypothesis, label, idx}",
                l -> new Cb(l.integer("idx"), l.string("premise"), l.string("hypothesis"), l.label("label")));
    }

    public List<Copa> copa(FewGlueSplit split) {
        return read(fewGlue("COPA", split), "COPA {premise, choice1, choice2, question, label, idx}",
                l -> new Copa(l.integer("idx"), l.string("premise"), l.string("choice1"), l.string("choice2"),
                        l.string("question"), l.label("label")));
    }

    public List<Rte> rte(FewGlueSplit split) {
        return readRte(fewGlue("RTE", split));
    }

    /** The full RTE training set (2,490) or the validation set (277). */
    public List<Rte> rteFull(FullSplit split) {
        return readRte(full("RTE", split));
    }

    public List<Wic> wic(FewGlueSplit split) {
        return read(fewGlue("WiC", split), "WiC {word, sentence1, sentence2, start1, end1, start2, end2, label, idx}",
                l -> new Wic(l.integer("idx"), l.string("word"), l.string("sentence1"), l.string("sentence2"),
                        l.integer("start1"), l.integer("end1"), l.integer("start2"), l.integer("end2"),
                        l.label("label")));
    }

    public List<Wsc> wsc(FewGlueSplit split) {
        return readWsc(fewGlue("WSC", split));
    }

    /** The full WSC training set (554) or the validation set (104). */
    public List<Wsc> wscFull(FullSplit split) {
        return readWsc(full("WSC", split));
    }

    /** All answer options of all questions, passage by passage. */
    public List<MultiRc> multirc(FewGlueSplit split) {
        Path file = fewGlue("MultiRC", split);
        String expected = "MultiRC {idx, passage: {text, questions: [{question, idx, answers: [{text, idx, label}]}]}}";
        List<MultiRc> out = new ArrayList<>();
        for (DataFiles.JsonLine line : DataFiles.readJsonLines(file, expected)) {
            int passageIdx = line.integer("idx");
            JsonObject passage = object(line.object(), "passage", line);
            String text = DataFiles.string(passage, "text", file, line.line());
            for (JsonElement q : array(passage, "questions", line)) {
                JsonObject question = q.getAsJsonObject();
                int questionIdx = DataFiles.integer(question, "idx", file, line.line());
                String questionText = DataFiles.string(question, "question", file, line.line());
                for (JsonElement a : array(question, "answers", line)) {
                    JsonObject answer = a.getAsJsonObject();
                    out.add(new MultiRc(passageIdx, questionIdx, DataFiles.integer(answer, "idx", file, line.line()),
                            text, questionText, DataFiles.string(answer, "text", file, line.line()),
                            DataFiles.label(answer, "label", file, line.line())));
                }
            }
        }
        return DataFiles.nonEmpty(out, file, expected);
    }

    /**
     * The substitute for a missing full training set: the validation set cut into train and test with a seed
     * (e.g. BoolQ 3,270 to 2,270/1,000, WiC 638 to 438/200), with a note naming the task, sizes and seed.
     */
    public static <T> Split<T> validationAsTrainAndTest(String task, List<T> validation, int testCount, long seed) {
        String note = String.format("SuperGLUE %s has no full train set here: its validation set (%d) is split "
                + "%d train / %d test (seed %d).", task, validation.size(), validation.size() - testCount, testCount,
                seed);
        return Splits.holdOut(validation, seed, testCount, note);
    }

    Path fewGlue(String task, FewGlueSplit split) {
        return folder.resolve("fewglue").resolve(task).resolve(split.file);
    }

    Path full(String task, FullSplit split) {
        return folder.resolve("full").resolve(task).resolve(split.file);
    }

    static List<Rte> readRte(Path file) {
        return read(file, "RTE {premise, hypothesis, label, idx}",
                l -> new Rte(l.integer("idx"), l.string("premise"), l.string("hypothesis"), l.label("label")));
    }

    static List<Wsc> readWsc(Path file) {
        return read(file, "WSC {text, target: {span1_text, span1_index, span2_text, span2_index}, label, idx}", l -> {
            JsonObject target = object(l.object(), "target", l);
            return new Wsc(l.integer("idx"), l.string("text"),
                    DataFiles.string(target, "span1_text", l.file(), l.line()),
                    DataFiles.integer(target, "span1_index", l.file(), l.line()),
                    DataFiles.string(target, "span2_text", l.file(), l.line()),
                    DataFiles.integer(target, "span2_index", l.file(), l.line()), l.label("label"));
        });
    }

    static <T> List<T> read(Path file, String expected, Function<DataFiles.JsonLine, T> parse) {
        List<T> out = new ArrayList<>();
        for (DataFiles.JsonLine line : DataFiles.readJsonLines(file, expected)) {
            out.add(parse.apply(line));
        }
        return List.copyOf(out);
    }

    private static JsonObject object(JsonObject parent, String field, DataFiles.JsonLine line) {
        JsonElement value = DataFiles.field(parent, field, line.file(), line.line());
        if (!value.isJsonObject()) {
            throw DataException.at(line.file(), line.line(), "field '" + field + "' should be an object");
        }
        return value.getAsJsonObject();
    }

    private static Iterable<JsonElement> array(JsonObject parent, String field, DataFiles.JsonLine line) {
        JsonElement value = DataFiles.field(parent, field, line.file(), line.line());
        if (!value.isJsonArray()) {
            throw DataException.at(line.file(), line.line(), "field '" + field + "' should be a list");
        }
        return value.getAsJsonArray();
    }
}
