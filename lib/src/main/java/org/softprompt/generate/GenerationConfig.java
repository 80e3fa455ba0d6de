package org.softprompt.generate;

import java.util.Set;

/**
 * How to decode. Beam search follows Hugging Face's conventions: a finished hypothesis scores
 * {@code sum of log-probabilities / generated_length ^ lengthPenalty} (the length counts generated tokens before
 * EOS); with {@code earlyStopping} a prompt is done as soon as {@code numBeams} hypotheses are finished, which
 * also makes one beam exactly greedy decoding.
 *
 * @param maxNewTokens at most this many tokens are generated per prompt
 * @param minNewTokens EOS is forbidden before this many tokens
 * @param numBeams 1 for greedy decoding
 * @param lengthPenalty exponent of the length normalisation (1.0 = average log-probability, 0 = none)
 * @param earlyStopping stop a prompt once {@code numBeams} hypotheses are finished
 * @param eosTokenIds tokens that end a sequence (may be empty)
 * @param bannedTokenIds tokens never generated
 * @param padTokenId fills rows that finished early in the returned arrays
 */
public record GenerationConfig(int maxNewTokens, int minNewTokens, int numBeams, double lengthPenalty,
        boolean earlyStopping, Set<Integer> eosTokenIds, Set<Integer> bannedTokenIds, int padTokenId) {

    public GenerationConfig {
        if (maxNewTokens < 1 || minNewTokens < 0 || minNewTokens > maxNewTokens) {
            throw new IllegalArgumentException("need 0 <= minNewTokens <= maxNewTokens and maxNewTokens >= 1, got "
                    + minNewTokens + " and " + maxNewTokens);
        }
        if (numBeams < 1) {
            throw new IllegalArgumentException("numBeams must be >= 1, got " + numBeams);
        }
        eosTokenIds = Set.copyOf(eosTokenIds);
        bannedTokenIds = Set.copyOf(bannedTokenIds);
    }

    /** Greedy decoding of up to {@code maxNewTokens}, stopping at {@code eos}. */
    public static GenerationConfig greedy(int maxNewTokens, int eos) {
        return new GenerationConfig(maxNewTokens, 0, 1, 1.0, true, Set.of(eos), Set.of(), eos);
    }

    public GenerationConfig beams(int beams) {
        return new GenerationConfig(maxNewTokens, minNewTokens, beams, lengthPenalty, earlyStopping, eosTokenIds,
                bannedTokenIds, padTokenId);
    }

    public GenerationConfig lengthPenalty(double penalty) {
        return new GenerationConfig(maxNewTokens, minNewTokens, numBeams, penalty, earlyStopping, eosTokenIds,
                bannedTokenIds, padTokenId);
    }

    public GenerationConfig minNewTokens(int min) {
        return new GenerationConfig(maxNewTokens, min, numBeams, lengthPenalty, earlyStopping, eosTokenIds,
                bannedTokenIds, padTokenId);
    }

    public GenerationConfig earlyStopping(boolean early) {
        return new GenerationConfig(maxNewTokens, minNewTokens, numBeams, lengthPenalty, early, eosTokenIds,
                bannedTokenIds, padTokenId);
    }

    public GenerationConfig ban(Set<Integer> tokenIds) {
        return new GenerationConfig(maxNewTokens, minNewTokens, numBeams, lengthPenalty, earlyStopping, eosTokenIds,
                tokenIds, padTokenId);
    }
}
