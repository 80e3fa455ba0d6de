package org.softprompt.task.prompt;

import java.util.Arrays;

/**
 * One example rendered through a {@link Template}: token ids with the model's special tokens, where pseudo token
 * {@code k} of the template is written as the id {@code -(k + 1)} (a prompt method's {@code enter} replaces those
 * positions' embeddings; a negative id can never be a real token, so they cannot be mistaken for one).
 *
 * @param ids token ids; pseudo tokens as negative slot ids
 * @param answerPosition MASK_TOKEN: the position of [MASK]; NEXT_TOKEN: the position whose next-token prediction is
 *     the answer (the last token)
 * @param pseudoPositions the position of each pseudo token, in template order (pseudo token k is at
 *     pseudoPositions[k])
 * @param truncatedTokens how many field tokens were cut to fit the maximum length
 */
public record RenderedPrompt(int[] ids, int answerPosition, int[] pseudoPositions, int truncatedTokens) {

    /** The id that marks pseudo token {@code slot} in rendered ids. */
    public static int pseudoId(int slot) {
        return -(slot + 1);
    }

    /** The pseudo slot an id marks, or -1 for a real token. */
    public static int slotOf(long id) {
        return id < 0 ? (int) (-id - 1) : -1;
    }

    public int length() {
        return ids.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RenderedPrompt r && Arrays.equals(ids, r.ids) && answerPosition == r.answerPosition
                && Arrays.equals(pseudoPositions, r.pseudoPositions) && truncatedTokens == r.truncatedTokens;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + answerPosition;
    }

    @Override
    public String toString() {
        return "RenderedPrompt" + Arrays.toString(ids) + " answer at " + answerPosition
                + (truncatedTokens > 0 ? ", " + truncatedTokens + " tokens truncated" : "");
    }
}
