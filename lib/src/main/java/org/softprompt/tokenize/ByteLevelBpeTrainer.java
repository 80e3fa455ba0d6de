package org.softprompt.tokenize;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Learns a new GPT-2-style byte-level BPE vocabulary from text, for pretraining a small GPT-2 with a small vocabulary.
 * (DJL's binding of Hugging Face's tokenizers cannot train, so this is done here.)
 *
 * <p>The algorithm, fully deterministic:
 * <ol>
 *   <li>Split every text into GPT-2's pre-tokenization pieces ({@link ByteLevel#split}) and count each distinct
 *       piece, written in byte characters.</li>
 *   <li>Start from the 256 byte characters, numbered in GPT-2's order, so any text stays encodable.</li>
 *   <li>Repeatedly merge the adjacent symbol pair with the highest count over all pieces (each piece weighted by
 *       its count); ties go to the pair whose (left id, right id) is smallest. Every occurrence in every piece is
 *       merged, left to right. The merged symbol gets the next id unless an earlier merge already made the same
 *       string.</li>
 *   <li>Stop when the vocabulary, special tokens included, reaches the requested size, or when no pair occurs at
 *       least {@code minFrequency} times. Special tokens get the last ids (GPT-2's &lt;|endoftext|&gt; is its last).</li>
 * </ol>
 * Hugging Face's BPE model applied to the result reproduces the segmentation learned here, because applying merges by
 * lowest rank first is the same as replaying them in the order they were learned.
 */
public final class ByteLevelBpeTrainer {
    private final int vocabSize;
    private final int minFrequency;
    private final List<String> specialTokens;

    /**
     * @param vocabSize the final vocabulary size, the 256 byte symbols and the special tokens included
     * @param minFrequency the smallest pair count still worth a merge (at least 1)
     * @param specialTokens tokens appended after the learned ones, in this order
     */
    public ByteLevelBpeTrainer(int vocabSize, int minFrequency, List<String> specialTokens) {
        if (specialTokens.stream().distinct().count() != specialTokens.size()) {
            throw new IllegalArgumentException("special tokens repeat: " + specialTokens);
        }
        if (vocabSize < 256 + specialTokens.size()) {
            throw new IllegalArgumentException("vocabSize " + vocabSize + " is smaller than the 256 byte symbols plus "
                    + specialTokens.size() + " special tokens");
        }
        if (minFrequency < 1) {
            throw new IllegalArgumentException("minFrequency must be at least 1, got " + minFrequency);
        }
        this.vocabSize = vocabSize;
        this.minFrequency = minFrequency;
        this.specialTokens = List.copyOf(specialTokens);
    }

    /** A trainer with minimum pair frequency 2 and GPT-2's single special token &lt;|endoftext|&gt;. */
    public static ByteLevelBpeTrainer withVocabSize(int vocabSize) {
        return new ByteLevelBpeTrainer(vocabSize, 2, List.of(Gpt2Tokenizer.END_OF_TEXT));
    }

    /** Learns from UTF-8 text files, each read whole (so paragraph breaks are learned as they occur). */
    public BpeVocabulary trainOnFiles(List<Path> files) throws IOException {
        PieceCounts counts = new PieceCounts();
        for (Path file : files) {
            counts.add(VocabularyFiles.readUtf8(file));
        }
        return learn(counts.counts);
    }

    /** Learns from texts (documents, paragraphs or lines). */
    public BpeVocabulary train(Iterable<String> texts) {
        PieceCounts counts = new PieceCounts();
        texts.forEach(counts::add);
        return learn(counts.counts);
    }

    private static final class PieceCounts {
        final Map<String, Long> counts = new HashMap<>();

        void add(String text) {
            for (String piece : ByteLevel.split(text)) {
                counts.merge(ByteLevel.toByteChars(piece), 1L, Long::sum);
            }
        }
    }

    /** A candidate merge in the queue; its count may be stale (higher than the pair's current count). */
    private record Candidate(long count, int left, int right) {
        static final Comparator<Candidate> BEST_FIRST = Comparator.comparingLong(Candidate::count).reversed()
                .thenComparingInt(Candidate::left)
                .thenComparingInt(Candidate::right);
    }

    private BpeVocabulary learn(Map<String, Long> pieceCounts) {
        List<String> symbols = new ArrayList<>(ByteLevel.alphabet());
        Map<String, Integer> idOf = new HashMap<>();
        for (int i = 0; i < symbols.size(); i++) {
            idOf.put(symbols.get(i), i);
        }

        // Sorting the distinct pieces makes every later iteration order (and so any tie) independent of hashing.
        List<String> pieces = new ArrayList<>(pieceCounts.keySet());
        pieces.sort(null);
        int[][] words = new int[pieces.size()][];
        long[] frequency = new long[pieces.size()];
        Map<Long, Long> pairCounts = new HashMap<>();
        Map<Long, Set<Integer>> wordsWithPair = new HashMap<>();
        for (int w = 0; w < words.length; w++) {
            String piece = pieces.get(w);
            words[w] = new int[piece.length()];
            for (int i = 0; i < piece.length(); i++) {
                words[w][i] = idOf.get(String.valueOf(piece.charAt(i)));
            }
            frequency[w] = pieceCounts.get(piece);
            addPairs(words[w], frequency[w], w, pairCounts, wordsWithPair, null);
        }

        PriorityQueue<Candidate> queue = new PriorityQueue<>(Candidate.BEST_FIRST);
        pairCounts.forEach((pair, count) -> queue.add(new Candidate(count, left(pair), right(pair))));

        List<Merge> merges = new ArrayList<>();
        int learnedSize = vocabSize - specialTokens.size();
        while (symbols.size() < learnedSize && !queue.isEmpty()) {
            Candidate top = queue.poll();
            long pair = pair(top.left(), top.right());
            long current = pairCounts.getOrDefault(pair, 0L);
            if (current != top.count()) {
                // Stale entry: counts only fall for pairs already queued, so re-queue with the true count.
                if (current > 0) {
                    queue.add(new Candidate(current, top.left(), top.right()));
                }
                continue;
            }
            if (current < minFrequency) {
                break;
            }
            String merged = symbols.get(top.left()) + symbols.get(top.right());
            Integer mergedId = idOf.get(merged);
            if (mergedId == null) {
                mergedId = symbols.size();
                symbols.add(merged);
                idOf.put(merged, mergedId);
            }
            merges.add(new Merge(symbols.get(top.left()), symbols.get(top.right())));

            Set<Long> grown = new HashSet<>();
            List<Integer> affected = new ArrayList<>(wordsWithPair.getOrDefault(pair, Set.of()));
            affected.sort(null);
            for (int w : affected) {
                int[] before = words[w];
                int[] after = mergeAll(before, top.left(), top.right(), mergedId);
                if (after.length == before.length) {
                    continue;
                }
                removePairs(before, frequency[w], pairCounts);
                addPairs(after, frequency[w], w, pairCounts, wordsWithPair, grown);
                words[w] = after;
            }
            pairCounts.remove(pair);
            wordsWithPair.remove(pair);
            for (long grownPair : grown) {
                Long count = pairCounts.get(grownPair);
                if (count != null) {
                    queue.add(new Candidate(count, left(grownPair), right(grownPair)));
                }
            }
        }

        LinkedHashMap<String, Integer> vocab = new LinkedHashMap<>();
        for (int i = 0; i < symbols.size(); i++) {
            vocab.put(symbols.get(i), i);
        }
        for (String special : specialTokens) {
            vocab.putIfAbsent(special, vocab.size());
        }
        return new BpeVocabulary(vocab, merges, specialTokens);
    }

    private static int[] mergeAll(int[] word, int left, int right, int merged) {
        int[] out = new int[word.length];
        int n = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                out[n++] = merged;
                i++;
            } else {
                out[n++] = word[i];
            }
        }
        return n == word.length ? word : java.util.Arrays.copyOf(out, n);
    }

    private static void addPairs(int[] word, long frequency, int wordIndex, Map<Long, Long> pairCounts,
            Map<Long, Set<Integer>> wordsWithPair, Set<Long> grown) {
        for (int i = 0; i + 1 < word.length; i++) {
            long pair = pair(word[i], word[i + 1]);
            pairCounts.merge(pair, frequency, Long::sum);
            wordsWithPair.computeIfAbsent(pair, p -> new HashSet<>()).add(wordIndex);
            if (grown != null) {
                grown.add(pair);
            }
        }
    }

    private static void removePairs(int[] word, long frequency, Map<Long, Long> pairCounts) {
        for (int i = 0; i + 1 < word.length; i++) {
            long pair = pair(word[i], word[i + 1]);
            long remaining = pairCounts.get(pair) - frequency;
            if (remaining == 0) {
                pairCounts.remove(pair);
            } else {
                pairCounts.put(pair, remaining);
            }
        }
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private static int left(long pair) {
        return (int) (pair >>> 32);
    }

    private static int right(long pair) {
        return (int) pair;
    }
}
