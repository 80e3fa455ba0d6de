package org.softprompt.task.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.softprompt.Tensors;
import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.ForwardOutput;

/**
 * Extractive question answering as BertForQuestionAnswering: a linear layer {@code qa_outputs} [2, hidden] gives
 * every token a start and an end logit; the loss is the mean of the start and end cross-entropies. Decode answers
 * with {@link SpanSearch}. For SQuAD 2.0 the gold start and end of an unanswerable question are 0 ([CLS]).
 */
public final class SpanExtractionHead implements TaskHead {
    public static final String WEIGHT = "qa_outputs.weight";
    public static final String BIAS = "qa_outputs.bias";

    private final double dropout;
    private final NDManager manager;
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();

    private SpanExtractionHead(Backbone backbone, double dropout, long seed, NDManager parent) {
        this.dropout = HeadTensors.requireDropout(dropout);
        this.manager = parent.newSubManager();
        parameters.put(WEIGHT, HeadTensors.normalWeight(manager, WEIGHT, new Shape(2, backbone.hiddenSize()),
                backbone.config().initializerRange(), seed));
        parameters.put(BIAS, HeadTensors.zeroBias(manager, BIAS, 2));
    }

    /** @param dropout on the hidden states before qa_outputs (BertForQuestionAnswering has none: 0) */
    public static SpanExtractionHead create(Backbone backbone, double dropout, NDManager manager, long seed) {
        return new SpanExtractionHead(backbone, dropout, seed, manager);
    }

    /** Start and end logits, each [B, T]. */
    public NDList logits(ForwardOutput output, boolean training) {
        NDArray hidden = HeadTensors.dropout(output.lastHiddenState(), dropout, training);
        NDArray both = HeadTensors.linear(hidden, parameters.get(WEIGHT), parameters.get(BIAS));
        return new NDList(both.get(":, :, 0"), both.get(":, :, 1"));
    }

    /**
     * (CE(start) + CE(end)) / 2 as transformers: positions outside the sequence (e.g. an answer truncated away) are
     * clamped to T and ignored.
     *
     * @param startPositions [B] gold start token
     * @param endPositions [B] gold end token (inclusive)
     */
    public NDArray loss(NDList logits, NDArray startPositions, NDArray endPositions) {
        NDArray start = logits.get(0);
        long length = start.getShape().get(1);
        NDArray startLoss = CrossEntropy.mean(start, ignoredOutside(startPositions, length), (int) length);
        NDArray endLoss = CrossEntropy.mean(logits.get(1), ignoredOutside(endPositions, length), (int) length);
        return Tensors.dividedBy(startLoss.add(endLoss), 2);
    }

    private static NDArray ignoredOutside(NDArray positions, long length) {
        return positions.toType(DataType.INT64, false).clip(0, length);
    }

    @Override
    public Map<String, NDArray> trainable() {
        return Collections.unmodifiableMap(parameters);
    }

    @Override
    public void close() {
        manager.close();
    }
}
