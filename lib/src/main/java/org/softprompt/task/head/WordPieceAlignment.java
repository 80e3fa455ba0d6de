package org.softprompt.task.head;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

import org.softprompt.tokenize.SpecialToken;
import org.softprompt.tokenize.Tokenizer;

/**
 * A pre-split sentence as subword tokens with the word each token came from, as Hugging Face's
 * {@code tokenizer(words, is_split_into_words=True).word_ids()}: each word is tokenized on its own and the pieces are
 * concatenated between [CLS] and [SEP] (when the tokenizer has them). For WordPiece this gives the same pieces as
 * tokenizing the space-joined sentence, because BERT's pre-tokenizer splits at whitespace anyway.
 *
 * <p>Labels follow the first-subword convention of BERT's NER experiments and P-tuning v2: a word's tag goes to its
 * first piece; its other pieces and the special tokens get {@link CrossEntropy#IGNORE_INDEX}. Predictions are read
 * back from the first pieces. A word the tokenizer turns into no piece at all (e.g. a lone control character), or
 * one cut off by truncation, has no first piece: it gets {@code missing} in {@link #wordPredictions}.
 */
public final class WordPieceAlignment {
    /** The word id of special tokens ([CLS], [SEP]); Hugging Face's None. */
    public static final int NO_WORD = -1;

    private final int[] ids;
    private final int[] wordIds;
    private final int wordCount;

    private WordPieceAlignment(int[] ids, int[] wordIds, int wordCount) {
        this.ids = ids;
        this.wordIds = wordIds;
        this.wordCount = wordCount;
    }

    /**
     * Aligns {@code words}, truncating the pieces so that the sequence with its special tokens has at most
     * {@code maxLength} tokens (0 or less: no limit).
     */
    public static WordPieceAlignment of(Tokenizer tokenizer, List<String> words, int maxLength) {
        OptionalInt cls = tokenizer.specialTokenId(SpecialToken.CLS);
        OptionalInt sep = tokenizer.specialTokenId(SpecialToken.SEP);
        boolean wrap = cls.isPresent() && sep.isPresent();
        int budget = maxLength <= 0 ? Integer.MAX_VALUE : maxLength - (wrap ? 2 : 0);
        if (budget < 0) {
            throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room for [CLS] and [SEP]");
        }
        List<Integer> pieceIds = new ArrayList<>();
        List<Integer> pieceWords = new ArrayList<>();
        if (wrap) {
            pieceIds.add(cls.getAsInt());
            pieceWords.add(NO_WORD);
        }
        int used = 0;
        words:
        for (int w = 0; w < words.size(); w++) {
            String word = words.get(w);
            if (word == null) {
                throw new IllegalArgumentException("word " + w + " is null");
            }
            for (int id : tokenizer.encode(word, false)) {
                if (used == budget) {
                    break words;
                }
                pieceIds.add(id);
                pieceWords.add(w);
                used++;
            }
        }
        if (wrap) {
            pieceIds.add(sep.getAsInt());
            pieceWords.add(NO_WORD);
        }
        return new WordPieceAlignment(pieceIds.stream().mapToInt(Integer::intValue).toArray(),
                pieceWords.stream().mapToInt(Integer::intValue).toArray(), words.size());
    }

    /** The token ids, special tokens included. */
    public int[] ids() {
        return ids.clone();
    }

    /** The word of each token, {@link #NO_WORD} for special tokens. */
    public int[] wordIds() {
        return wordIds.clone();
    }

    /** The number of words in the sentence (also those truncated away). */
    public int wordCount() {
        return wordCount;
    }

    public int length() {
        return ids.length;
    }

    /** Per token: the word's label on its first piece, {@link CrossEntropy#IGNORE_INDEX} elsewhere. */
    public int[] labels(int[] wordLabels) {
        if (wordLabels.length != wordCount) {
            throw new IllegalArgumentException("got " + wordLabels.length + " word labels for " + wordCount
                    + " words");
        }
        int[] labels = new int[ids.length];
        Arrays.fill(labels, CrossEntropy.IGNORE_INDEX);
        for (int t = 0; t < ids.length; t++) {
            if (isFirstPiece(t)) {
                labels[t] = wordLabels[wordIds[t]];
            }
        }
        return labels;
    }

    /**
     * Per word: the prediction at its first piece, or {@code missing} for a word without pieces in the sequence.
     *
     * @param tokenPredictions one prediction per token of this alignment (extra trailing positions, e.g. padding,
     *     are ignored)
     */
    public int[] wordPredictions(int[] tokenPredictions, int missing) {
        if (tokenPredictions.length < ids.length) {
            throw new IllegalArgumentException("got " + tokenPredictions.length + " token predictions for "
                    + ids.length + " tokens");
        }
        int[] words = new int[wordCount];
        Arrays.fill(words, missing);
        for (int t = 0; t < ids.length; t++) {
            if (isFirstPiece(t)) {
                words[wordIds[t]] = tokenPredictions[t];
            }
        }
        return words;
    }

    private boolean isFirstPiece(int t) {
        return wordIds[t] != NO_WORD && (t == 0 || wordIds[t - 1] != wordIds[t]);
    }
}
