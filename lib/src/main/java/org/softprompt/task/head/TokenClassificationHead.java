package org.softprompt.task.head;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.ForwardOutput;

/**
 * Token classification (NER, chunking): dropout, then a linear layer applied to every token's last hidden state,
 * as BertForTokenClassification and P-tuning v2's BertPrefixForTokenClassification. Train with labels on the first
 * subword of each word and {@link CrossEntropy#IGNORE_INDEX} elsewhere ({@link WordPieceAlignment}); read word tags
 * back with {@link WordPieceAlignment#wordPredictions} and spans with {@link TagScheme#spans}.
 */
public final class TokenClassificationHead implements TaskHead {
    public static final String WEIGHT = "classifier.weight";
    public static final String BIAS = "classifier.bias";

    private final int numLabels;
    private final double dropout;
    private final NDManager manager;
    private final Map<String, NDArray> parameters = new LinkedHashMap<>();

    private TokenClassificationHead(Backbone backbone, int numLabels, double dropout, long seed, NDManager parent) {
        if (numLabels < 2) {
            throw new IllegalArgumentException("a token classification head needs at least 2 labels, got "
                    + numLabels);
        }
        this.numLabels = numLabels;
        this.dropout = HeadTensors.requireDropout(dropout);
        this.manager = parent.newSubManager();
        parameters.put(WEIGHT, HeadTensors.normalWeight(manager, WEIGHT, new Shape(numLabels, backbone.hiddenSize()),
                backbone.config().initializerRange(), seed));
        parameters.put(BIAS, HeadTensors.zeroBias(manager, BIAS, numLabels));
    }

    /** A head over {@code numLabels} tags (e.g. {@link TagScheme#labels}'s size) with dropout {@code dropout}. */
    public static TokenClassificationHead create(Backbone backbone, int numLabels, double dropout, NDManager manager,
                                                 long seed) {
        return new TokenClassificationHead(backbone, numLabels, dropout, seed, manager);
    }

    /** Logits [B, T, labels]. */
    public NDArray logits(ForwardOutput output, boolean training) {
        NDArray hidden = HeadTensors.dropout(output.lastHiddenState(), dropout, training);
        return HeadTensors.linear(hidden, parameters.get(WEIGHT), parameters.get(BIAS));
    }

    /** Mean cross-entropy over the tokens whose label [B, T] is not {@link CrossEntropy#IGNORE_INDEX}. */
    public NDArray loss(NDArray logits, NDArray labels) {
        return CrossEntropy.mean(logits, labels);
    }

    /** The arg-max label of every token, [B][T]. */
    public int[][] predict(NDArray logits) {
        long[] best = logits.argMax(-1).toLongArray();
        int batch = (int) logits.getShape().get(0);
        int length = (int) logits.getShape().get(1);
        int[][] labels = new int[batch][length];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < length; t++) {
                labels[b][t] = (int) best[b * length + t];
            }
        }
        return labels;
    }

    public int numLabels() {
        return numLabels;
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
