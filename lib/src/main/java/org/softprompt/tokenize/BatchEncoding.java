package org.softprompt.tokenize;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Arrays;

/**
 * A batch of encoded texts: Hugging Face's {@code input_ids}, {@code attention_mask} and {@code token_type_ids}.
 * Rows have equal length unless the batch was encoded without padding.
 *
 * @param inputIds token ids per row, padding included
 * @param attentionMask 1 for real tokens, 0 for padding
 * @param tokenTypeIds segment per token (0 first text, 1 second text); padding gets 0
 */
public record BatchEncoding(int[][] inputIds, int[][] attentionMask, int[][] tokenTypeIds) {
    public BatchEncoding {
        if (attentionMask.length != inputIds.length || tokenTypeIds.length != inputIds.length) {
            throw new IllegalArgumentException("inputIds, attentionMask and tokenTypeIds differ in batch size");
        }
        for (int row = 0; row < inputIds.length; row++) {
            if (attentionMask[row].length != inputIds[row].length || tokenTypeIds[row].length != inputIds[row].length) {
                throw new IllegalArgumentException("row " + row + ": inputIds, attentionMask and tokenTypeIds differ"
                        + " in length");
            }
        }
    }

    public int batchSize() {
        return inputIds.length;
    }

    /** The common row length; fails for a ragged (unpadded) batch. */
    public int sequenceLength() {
        int length = inputIds.length == 0 ? 0 : inputIds[0].length;
        for (int[] row : inputIds) {
            if (row.length != length) {
                throw new IllegalStateException("rows differ in length (the batch was not padded)");
            }
        }
        return length;
    }

    /**
     * The three arrays as int64 NDArrays of shape [batch, sequence], named input_ids, attention_mask and
     * token_type_ids, in that order (the order Hugging Face's BERT forward takes them). The arrays belong to
     * {@code manager}.
     */
    public NDList toNDList(NDManager manager) {
        NDList list = new NDList(
                toArray(manager, inputIds), toArray(manager, attentionMask), toArray(manager, tokenTypeIds));
        list.get(0).setName("input_ids");
        list.get(1).setName("attention_mask");
        list.get(2).setName("token_type_ids");
        return list;
    }

    private NDArray toArray(NDManager manager, int[][] rows) {
        int length = sequenceLength();
        long[] flat = new long[rows.length * length];
        for (int row = 0; row < rows.length; row++) {
            for (int col = 0; col < length; col++) {
                flat[row * length + col] = rows[row][col];
            }
        }
        return manager.create(flat, new Shape(rows.length, length));
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BatchEncoding that
                && Arrays.deepEquals(inputIds, that.inputIds)
                && Arrays.deepEquals(attentionMask, that.attentionMask)
                && Arrays.deepEquals(tokenTypeIds, that.tokenTypeIds);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(inputIds);
    }

    @Override
    public String toString() {
        return "BatchEncoding" + Arrays.deepToString(inputIds);
    }
}
