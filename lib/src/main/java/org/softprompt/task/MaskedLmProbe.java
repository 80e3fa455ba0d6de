package org.softprompt.task;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.OptionalInt;

import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.tokenize.EncodeOptions;
import org.softprompt.tokenize.SpecialToken;
import org.softprompt.tokenize.Tokenizer;

/**
 * Asks a masked language model to fill the one [MASK] of each sentence, LAMA style: the prediction is the most
 * probable token among a candidate vocabulary (LAMA's common vocabulary, so that models with different
 * vocabularies are compared on the same answers), and precision@1 is the fraction of sentences whose prediction
 * is the gold token.
 */
public final class MaskedLmProbe {
    private final Backbone model;
    private final Tokenizer tokenizer;
    private final int maskId;
    private final float[] candidateMask;
    private final int batchSize;

    /**
     * @param candidates the tokens a prediction may be (each must be one token of the vocabulary), or null for
     *     the whole vocabulary
     */
    public MaskedLmProbe(Backbone model, Tokenizer tokenizer, Collection<String> candidates, int batchSize) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.maskId = tokenizer.requireSpecialTokenId(SpecialToken.MASK);
        this.batchSize = batchSize;
        this.candidateMask = new float[tokenizer.vocabSize()];
        if (candidates != null) {
            Arrays.fill(candidateMask, Float.NEGATIVE_INFINITY);
            List<String> unknown = new ArrayList<>();
            for (String token : candidates) {
                OptionalInt id = tokenizer.tokenToId(token);
                if (id.isPresent()) {
                    candidateMask[id.getAsInt()] = 0;
                } else {
                    unknown.add(token);
                }
            }
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException(unknown.size() + " candidate tokens are not in the vocabulary, e.g. "
                        + unknown.subList(0, Math.min(5, unknown.size())));
            }
        }
    }

    /** The top-1 token at the [MASK] of each sentence. */
    public List<String> predict(List<String> sentences) {
        List<String> predictions = new ArrayList<>(sentences.size());
        for (int start = 0; start < sentences.size(); start += batchSize) {
            List<String> batch = sentences.subList(start, Math.min(sentences.size(), start + batchSize));
            try (NDManager step = model.weights().manager().newSubManager()) {
                NDList encoded = tokenizer.encodeBatch(batch, EncodeOptions.defaults()
                        .withPadding(EncodeOptions.Padding.LONGEST)).toNDList(step);
                NDArray ids = encoded.get(0);
                long[] flatIds = ids.toLongArray();
                int length = (int) ids.getShape().get(1);
                long[] maskPositions = new long[batch.size()];
                for (int row = 0; row < batch.size(); row++) {
                    maskPositions[row] = maskPosition(flatIds, row, length, batch.get(row));
                }
                NDArray logits = model.forward(ForwardInput.ofIds(ids).withAttentionMask(encoded.get(1))
                        .withTokenTypeIds(encoded.get(2))).logits();
                NDArray atMask = logits.gather(step.create(maskPositions, new Shape(batch.size(), 1, 1))
                        .broadcast(batch.size(), 1, logits.getShape().get(2)), 1).squeeze(1);
                long[] best = atMask.add(step.create(candidateMask)).argMax(1).toType(DataType.INT64, false)
                        .toLongArray();
                for (long id : best) {
                    predictions.add(tokenizer.idToToken((int) id).orElseThrow());
                }
            }
        }
        return predictions;
    }

    /** Precision@1 of {@code predictions} against {@code gold}, position by position. */
    public static double precisionAtOne(List<String> predictions, List<String> gold) {
        if (predictions.size() != gold.size() || gold.isEmpty()) {
            throw new IllegalArgumentException("need as many predictions as gold answers (and at least one), got "
                    + predictions.size() + " and " + gold.size());
        }
        int correct = 0;
        for (int i = 0; i < gold.size(); i++) {
            correct += predictions.get(i).equals(gold.get(i)) ? 1 : 0;
        }
        return (double) correct / gold.size();
    }

    private int maskPosition(long[] flatIds, int row, int length, String sentence) {
        int found = -1;
        for (int t = 0; t < length; t++) {
            if (flatIds[row * length + t] == maskId) {
                if (found >= 0) {
                    throw new IllegalArgumentException("more than one [MASK] in: " + sentence);
                }
                found = t;
            }
        }
        if (found < 0) {
            throw new IllegalArgumentException("no [MASK] in: " + sentence);
        }
        return found;
    }
}
