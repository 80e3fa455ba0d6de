package org.softprompt.task.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;

import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.ForwardOutput;

/**
 * Sequence classification on the first token ([CLS]): optional pooler, dropout, a linear layer to the labels.
 *
 * <p>{@link Pooling#POOLER} is P-tuning v2's (and BertForSequenceClassification's) head: the backbone's frozen pooler
 * tanh(dense([CLS])), dropout (hidden_dropout_prob), then the trained {@code classifier}. The pooler is applied here
 * to position 0 of the last hidden state rather than taken from {@link ForwardOutput#pooledOutput()}, so it reads
 * [CLS] also after {@link org.softprompt.method.deep.PromptTuning} removed its prompt positions (P-tuning v2's prompt
 * baseline does the same). {@link Pooling#CLS} feeds the raw [CLS] state to the classifier.
 */
public final class SequenceClassificationHead implements TaskHead {
    public static final String WEIGHT = "classifier.weight";
    public static final String BIAS = "classifier.bias";

    /** What the classifier reads. */
    public enum Pooling { POOLER, CLS }

    private final Backbone backbone;
    private final int numLabels;
    private final Pooling pooling;
    private final double dropout;
    private final String poolerWeight;
    private final String poolerBias;
    private final NDManager manager;
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();

    private SequenceClassificationHead(Backbone backbone, int numLabels, Pooling pooling, double dropout, long seed,
                                       NDManager parent) {
        if (numLabels < 2) {
            throw new IllegalArgumentException("a classification head needs at least 2 labels, got " + numLabels);
        }
        this.backbone = backbone;
        this.numLabels = numLabels;
        this.pooling = pooling;
        this.dropout = HeadTensors.requireDropout(dropout);
        this.poolerWeight = pooling == Pooling.POOLER ? HeadTensors.findWeight(backbone, "pooler.dense.weight") : null;
        this.poolerBias = pooling == Pooling.POOLER ? HeadTensors.findWeight(backbone, "pooler.dense.bias") : null;
        if (pooling == Pooling.POOLER && (poolerWeight == null || poolerBias == null)) {
            throw new IllegalArgumentException(backbone.architecture() + " has no pooler (pooler.dense.weight/bias); "
                    + "use Pooling.CLS or load the checkpoint with its pooler");
        }
        this.manager = parent.newSubManager();
        int d = backbone.hiddenSize();
        parameters.put(WEIGHT, HeadTensors.normalWeight(manager, WEIGHT, new Shape(numLabels, d),
                backbone.config().initializerRange(), seed));
        parameters.put(BIAS, HeadTensors.zeroBias(manager, BIAS, numLabels));
    }

    /** P-tuning v2's head: pooler, dropout 0.1, classifier. */
    public static SequenceClassificationHead create(Backbone backbone, int numLabels, NDManager manager, long seed) {
        return create(backbone, numLabels, Pooling.POOLER, 0.1, manager, seed);
    }

    public static SequenceClassificationHead create(Backbone backbone, int numLabels, Pooling pooling, double dropout,
                                                    NDManager manager, long seed) {
        return new SequenceClassificationHead(backbone, numLabels, pooling, dropout, seed, manager);
    }

    /** Logits [B, labels] from a forward output (arrays land in the output's manager). */
    public NDArray logits(ForwardOutput output, boolean training) {
        NDArray first = output.lastHiddenState().get(":, 0, :");
        if (pooling == Pooling.POOLER) {
            first = HeadTensors.linear(first, backbone.weight(poolerWeight), backbone.weight(poolerBias)).tanh();
        }
        first = HeadTensors.dropout(first, dropout, training);
        return HeadTensors.linear(first, parameters.get(WEIGHT), parameters.get(BIAS));
    }

    /** Mean cross-entropy of logits [B, labels] against labels [B]. */
    public NDArray loss(NDArray logits, NDArray labels) {
        return CrossEntropy.mean(logits, labels);
    }

    /** The predicted label of each example. */
    public int[] predict(NDArray logits) {
        long[] best = logits.argMax(-1).toLongArray();
        int[] labels = new int[best.length];
        for (int i = 0; i < best.length; i++) {
            labels[i] = (int) best[i];
        }
        return labels;
    }

    public int numLabels() {
        return numLabels;
    }

    public Pooling pooling() {
        return pooling;
    }

    @Override
    public Map<String, NDArray> trainable() {
        return java.util.Collections.unmodifiableMap(parameters);
    }

    @Override
    public void close() {
        manager.close();
    }
}
