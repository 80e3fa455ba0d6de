package org.softprompt.task.prompt;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

import org.softprompt.tokenize.Tokenizer;

/**
 * Labels as vocabulary words: each label has one or more words, each of which must be a single token of the
 * model's vocabulary (with the space a template puts before [MASK], which matters for GPT-2). A label's score is the
 * log of the probability mass of its words, where the MLM (or next-token) logits at the answer slot are normalized
 * over the label words only: with one word per label, {@code log_softmax} of the label words' logits, as in PET and
 * LM-BFF.
 *
 * <p>{@link #arbitrary} is the "null verbalizer" ablation: labels mapped to arbitrary (seeded) vocabulary words that
 * say nothing about the label, so the model must learn the mapping.
 */
public final class Verbalizer {
    private static final Pattern PLAIN_WORD = Pattern.compile("[A-Za-z]{3,}");

    private final List<String> labels;
    private final Map<String, List<String>> words;
    /** Token ids of all label words, label by label. */
    private final long[] wordIds;
    /** For label i, its words are wordIds[offsets[i] .. offsets[i + 1]). */
    private final int[] offsets;

    private Verbalizer(Map<String, List<String>> words, long[] wordIds, int[] offsets) {
        this.labels = List.copyOf(words.keySet());
        this.words = words;
        this.wordIds = wordIds;
        this.offsets = offsets;
    }

    /**
     * A verbalizer from label to words, in the map's label order; fails naming the label and word when a word is
     * not one token (or two labels share a token).
     *
     * @param template the template the answers fill (for the space before [MASK])
     */
    public static Verbalizer of(Tokenizer tokenizer, Template template,
            Map<String, List<String>> labelWords) {
        if (labelWords.size() < 2) {
            throw new IllegalArgumentException("a verbalizer needs at least two labels, got " + labelWords.keySet());
        }
        Map<String, List<String>> copy = new LinkedHashMap<>();
        List<Long> ids = new ArrayList<>();
        int[] offsets = new int[labelWords.size() + 1];
        Map<Long, String> owner = new LinkedHashMap<>();
        int label = 0;
        for (Map.Entry<String, List<String>> entry : labelWords.entrySet()) {
            if (entry.getValue().isEmpty()) {
                throw new IllegalArgumentException("label '" + entry.getKey() + "' has no words");
            }
            for (String word : entry.getValue()) {
                long id = singleToken(tokenizer, template, entry.getKey(), word);
                String previous = owner.putIfAbsent(id, entry.getKey());
                if (previous != null) {
                    throw new IllegalArgumentException("word '" + word + "' of label '" + entry.getKey()
                            + "' is the same token as a word of label '" + previous + "'");
                }
                ids.add(id);
            }
            copy.put(entry.getKey(), List.copyOf(entry.getValue()));
            offsets[++label] = ids.size();
        }
        return new Verbalizer(copy, ids.stream().mapToLong(Long::longValue).toArray(), offsets);
    }

    /** One word per label. */
    public static Verbalizer ofWords(Tokenizer tokenizer, Template template,
            Map<String, String> labelWord) {
        Map<String, List<String>> words = new LinkedHashMap<>();
        labelWord.forEach((label, word) -> words.put(label, List.of(word)));
        return of(tokenizer, template, words);
    }

    /**
     * The null verbalizer: each label gets a different arbitrary word (letters only, at least three, one token),
     * drawn from the vocabulary with a seeded generator.
     */
    public static Verbalizer arbitrary(Tokenizer tokenizer, Template template,
            List<String> labels, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, String> chosen = new LinkedHashMap<>();
        Set<String> used = new LinkedHashSet<>();
        int tries = 0;
        for (String label : labels) {
            while (!chosen.containsKey(label)) {
                if (++tries > 100_000) {
                    throw new IllegalStateException("found no plain single-token words in the vocabulary");
                }
                int id = random.nextInt(tokenizer.vocabSize());
                String word = tokenizer.decode(new int[] {id}, true).strip();
                if (PLAIN_WORD.matcher(word).matches() && !used.contains(word)
                        && words(tokenizer, template, word).length == 1) {
                    used.add(word);
                    chosen.put(label, word);
                }
            }
        }
        return ofWords(tokenizer, template, chosen);
    }

    private static long singleToken(Tokenizer tokenizer, Template template, String label,
            String word) {
        int[] ids = words(tokenizer, template, word);
        if (ids.length != 1) {
            List<String> pieces = Arrays.stream(ids).mapToObj(id -> tokenizer.idToToken(id).orElse("?")).toList();
            throw new IllegalArgumentException("verbalizer word '" + word + "' of label '" + label + "' is "
                    + ids.length + " tokens " + pieces + " for this tokenizer; each word must be a single token");
        }
        return ids[0];
    }

    private static int[] words(Tokenizer tokenizer, Template template, String word) {
        String text = word.strip();
        return tokenizer.encode(template.answerSpaceBefore() ? " " + text : text, false);
    }

    public List<String> labels() {
        return labels;
    }

    public int size() {
        return labels.size();
    }

    public List<String> words(String label) {
        List<String> list = words.get(label);
        if (list == null) {
            throw new IllegalArgumentException("unknown label '" + label + "'; labels: " + labels);
        }
        return list;
    }

    /** The token ids of a label's words. */
    public long[] tokenIds(String label) {
        int i = labels.indexOf(label);
        words(label);
        return Arrays.copyOfRange(wordIds, offsets[i], offsets[i + 1]);
    }

    /** The index of a label in {@link #labels()}. */
    public int indexOf(String label) {
        int i = labels.indexOf(label);
        if (i < 0) {
            throw new IllegalArgumentException("unknown label '" + label + "'; labels: " + labels);
        }
        return i;
    }

    /**
     * Label log-probabilities [B, labels] from the logits at the answer slot [B, vocab]: log_softmax over the label
     * words, then per label the log-sum-exp of its words.
     */
    public NDArray scores(NDArray answerLogits) {
        NDManager manager = answerLogits.getManager();
        long rows = answerLogits.getShape().get(0);
        NDArray index = manager.create(wordIds, new Shape(1, wordIds.length)).broadcast(rows, wordIds.length);
        NDArray logProbs = answerLogits.gather(index, 1).logSoftmax(1);
        if (offsets[offsets.length - 1] == labels.size()) {
            return logProbs;
        }
        NDList perLabel = new NDList();
        for (int i = 0; i < labels.size(); i++) {
            NDArray block = logProbs.get(new NDIndex(":, {}:{}", offsets[i], offsets[i + 1]));
            NDArray max = block.max(new int[] {1}, true);
            perLabel.add(block.sub(max).exp().sum(new int[] {1}, true).log().add(max));
        }
        return NDArrays.concat(perLabel, 1);
    }

    /** Mean cross-entropy of the labels at {@code labelIndices} (indices into {@link #labels()}). */
    public NDArray loss(NDArray answerLogits, int[] labelIndices) {
        NDArray scores = scores(answerLogits);
        NDArray gold = scores.getManager().create(Arrays.stream(labelIndices).asLongStream().toArray(),
                new Shape(labelIndices.length, 1));
        return scores.gather(gold, 1).mean().neg();
    }

    /** The best label index per row. */
    public int[] predict(NDArray answerLogits) {
        long[] best = scores(answerLogits).argMax(1).toType(DataType.INT64, false).toLongArray();
        return Arrays.stream(best).mapToInt(Math::toIntExact).toArray();
    }

    @Override
    public String toString() {
        return "Verbalizer" + words;
    }
}
