package org.softprompt.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a table of per-layer keys and values is parameterized during training: the PrefixEncoder of Prefix-Tuning
 * (Li &amp; Liang 2021, section 4.3; PEFT) and of P-tuning v2 ({@code prefix_projection}), which are the same network.
 *
 * <ul>
 *   <li>{@link #none()}: the P x W table is optimized directly, an {@code Embedding(P, W)}. Li &amp; Liang report
 *       this as unstable for Prefix-Tuning; it is P-tuning v2's default.</li>
 *   <li>{@link #mlp(int)}: {@code Embedding(P, d) -> Linear(d, k) -> tanh -> Linear(k, W)}, recomputed at every
 *       forward pass (Li &amp; Liang use k = 512 for table-to-text and 800 for summarization, P-tuning v2 512).
 *       After training only the output needs to be kept.</li>
 * </ul>
 *
 * Each method keeps its own tensor names ({@link Names}) and initialization; this type fixes the shapes and the
 * computation.
 *
 * @param hiddenSize the MLP's middle width k, or 0 for direct optimization
 */
public record Reparam(int hiddenSize) {

    public Reparam {
        if (hiddenSize < 0) {
            throw new IllegalArgumentException("the reparameterization's hidden size must be >= 0, got " + hiddenSize);
        }
    }

    /** Direct optimization of the table. */
    public static Reparam none() {
        return new Reparam(0);
    }

    /** Embedding(P, d) -> Linear(d, k) -> tanh -> Linear(k, W). */
    public static Reparam mlp(int hiddenSize) {
        if (hiddenSize <= 0) {
            throw new IllegalArgumentException("Reparam.mlp needs a positive hidden size, got " + hiddenSize);
        }
        return new Reparam(hiddenSize);
    }

    public boolean isMlp() {
        return hiddenSize > 0;
    }

    /**
     * The encoder's tensor names: {@code <prefix>embedding.weight} and, with the MLP,
     * {@code <prefix><mlp>.0.weight/bias} (first Linear) and {@code <prefix><mlp>.2.weight/bias} (second Linear;
     * index 1 is the tanh in torch's Sequential).
     */
    public record Names(String embedding, String inWeight, String inBias, String outWeight, String outBias) {
        public Names {
            Objects.requireNonNull(embedding, "embedding");
            Objects.requireNonNull(inWeight, "inWeight");
            Objects.requireNonNull(inBias, "inBias");
            Objects.requireNonNull(outWeight, "outWeight");
            Objects.requireNonNull(outBias, "outBias");
        }

        /** e.g. {@code of("", "transform")} for PEFT, {@code of("prefix_encoder.", "trans")} for P-tuning v2. */
        public static Names of(String prefix, String mlp) {
            return new Names(prefix + "embedding.weight", prefix + mlp + ".0.weight", prefix + mlp + ".0.bias",
                    prefix + mlp + ".2.weight", prefix + mlp + ".2.bias");
        }
    }

    /**
     * The trained tensors' shapes in the order torch registers them (embedding, first Linear's weight [k, d] and
     * bias, second Linear's weight [W, k] and bias).
     *
     * @param length the number of positions P
     * @param tokenDim the embedding width d the MLP starts from
     * @param width the table width W
     */
    public Map<String, Shape> shapes(Names names, long length, long tokenDim, long width) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        if (isMlp()) {
            shapes.put(names.embedding(), new Shape(length, tokenDim));
            shapes.put(names.inWeight(), new Shape(hiddenSize, tokenDim));
            shapes.put(names.inBias(), new Shape(hiddenSize));
            shapes.put(names.outWeight(), new Shape(width, hiddenSize));
            shapes.put(names.outBias(), new Shape(width));
        } else {
            shapes.put(names.embedding(), new Shape(length, width));
        }
        return shapes;
    }

    /**
     * The table [P, W] computed in {@code scope} from the encoder's tensors (through the MLP when there is one);
     * gradients reach the tensors when a gradient collector is open.
     */
    public NDArray table(NDManager scope, Map<String, NDArray> parameters, Names names) {
        // a view owned by scope: DJL puts an op's result in the manager of the array it is called on
        NDArray embedding = parameters.get(names.embedding()).reshape(parameters.get(names.embedding()).getShape());
        embedding.attach(scope);
        if (!isMlp()) {
            return embedding;
        }
        NDArray hidden = linear(embedding, parameters.get(names.inWeight()), parameters.get(names.inBias())).tanh();
        return linear(hidden, parameters.get(names.outWeight()), parameters.get(names.outBias()));
    }

    /** torch.nn.functional.linear: x W^T + b with W [out, in]. */
    private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return x.getNDArrayInternal().linear(x, weight, bias).singletonOrThrow();
    }

    @Override
    public String toString() {
        return isMlp() ? "mlp(" + hiddenSize + ")" : "none";
    }
}
