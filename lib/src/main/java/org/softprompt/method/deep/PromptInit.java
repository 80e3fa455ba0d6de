package org.softprompt.method.deep;

import java.util.Arrays;

/**
 * How shallow prompt embeddings start (Lester et al., 2021, section 3.2): random, sampled vocabulary embeddings, or
 * the embeddings of given tokens (e.g. the class labels' words).
 */
public final class PromptInit {
    enum Kind { UNIFORM, NORMAL, SAMPLED_VOCABULARY, TOKENS }

    final Kind kind;
    final double scale;
    final int vocabularyFrom;
    final int vocabularyTo;
    final int[] tokenIds;

    private PromptInit(Kind kind, double scale, int vocabularyFrom, int vocabularyTo, int[] tokenIds) {
        this.kind = kind;
        this.scale = scale;
        this.vocabularyFrom = vocabularyFrom;
        this.vocabularyTo = vocabularyTo;
        this.tokenIds = tokenIds;
    }

    /** U(-0.5, 0.5), Lester et al.'s random initialization. */
    public static PromptInit uniform() {
        return uniform(0.5);
    }

    /** U(-range, range). */
    public static PromptInit uniform(double range) {
        requirePositive(range);
        return new PromptInit(Kind.UNIFORM, range, 0, 0, null);
    }

    /** N(0, std^2); P-tuning v2's prompt baseline gets N(0, initializer_range^2) from transformers' init. */
    public static PromptInit normal(double std) {
        requirePositive(std);
        return new PromptInit(Kind.NORMAL, std, 0, 0, null);
    }

    /**
     * Rows of the word-embedding table at ids drawn uniformly (with the prompt's seed) from [from, to). Lester et al.
     * draw from T5's 5,000 most frequent tokens; WordPiece ids are not ordered by frequency, so give the range of
     * ordinary tokens (e.g. past BERT's [unused] and special entries).
     */
    public static PromptInit sampledVocabulary(int from, int to) {
        if (from < 0 || to <= from) {
            throw new IllegalArgumentException("the vocabulary range must satisfy 0 <= from < to, got [" + from
                    + ", " + to + ")");
        }
        return new PromptInit(Kind.SAMPLED_VOCABULARY, 0, from, to, null);
    }

    /** The word embeddings of {@code ids}, cycled when the prompt is longer (Lester et al.'s class-label init). */
    public static PromptInit tokens(int... ids) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("give at least one token id");
        }
        return new PromptInit(Kind.TOKENS, 0, 0, 0, ids.clone());
    }

    private static void requirePositive(double value) {
        if (!(value > 0)) {
            throw new IllegalArgumentException("the initialization scale must be > 0, got " + value);
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case UNIFORM -> "uniform(" + scale + ")";
            case NORMAL -> "normal(" + scale + ")";
            case SAMPLED_VOCABULARY -> "sampledVocabulary(" + vocabularyFrom + ", " + vocabularyTo + ")";
            case TOKENS -> "tokens" + Arrays.toString(tokenIds);
        };
    }
}
