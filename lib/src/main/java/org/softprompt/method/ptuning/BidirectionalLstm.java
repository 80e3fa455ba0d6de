package org.softprompt.method.ptuning;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * torch.nn.LSTM(input, hidden, num_layers, bidirectional=True) over one sequence [T, input], written with NDArray
 * operations over named tensors: {@code weight_ih_l{k}[_reverse]} [4h, in], {@code weight_hh_l{k}[_reverse]} [4h, h],
 * {@code bias_ih_l{k}[_reverse]} and {@code bias_hh_l{k}[_reverse]} [4h], gates in PyTorch's order i, f, g, o, zero
 * initial states. Layer k > 0 reads the concatenated [T, 2h] outputs of layer k - 1.
 *
 * <p>Hand-written rather than DJL's LSTM block because every tensor of the toolkit is a named array in a map (the
 * trainer, checkpoints and PyTorch state dicts are keyed by name) while DJL's block owns its parameters under its
 * own names and initialization; a prompt encoder's sequence is a handful of pseudo tokens, so the per-step loop
 * costs nothing, and step-by-step code is easy to check against a reference.
 */
final class BidirectionalLstm {
    private final String prefix;
    private final int inputSize;
    private final int hiddenSize;
    private final int layers;
    private final double dropout;
    private final Map<String, NDArray> weights;

    /** PyTorch's initialization U(-1/sqrt(h), 1/sqrt(h)) for every tensor; names are prefixed by {@code prefix}. */
    static BidirectionalLstm create(String prefix, int inputSize, int hiddenSize, int layers, double dropout,
            NDManager manager, long seed) {
        Map<String, NDArray> weights = new LinkedHashMap<>();
        double bound = 1 / Math.sqrt(hiddenSize);
        for (int layer = 0; layer < layers; layer++) {
            int in = layer == 0 ? inputSize : 2 * hiddenSize;
            for (String direction : new String[] {"", "_reverse"}) {
                String suffix = "_l" + layer + direction;
                weights.put(prefix + "weight_ih" + suffix, InitialValues.uniform(manager, prefix + "weight_ih"
                        + suffix, new Shape(4L * hiddenSize, in), bound, seed));
                weights.put(prefix + "weight_hh" + suffix, InitialValues.uniform(manager, prefix + "weight_hh"
                        + suffix, new Shape(4L * hiddenSize, hiddenSize), bound, seed));
                weights.put(prefix + "bias_ih" + suffix, InitialValues.uniform(manager, prefix + "bias_ih" + suffix,
                        new Shape(4L * hiddenSize), bound, seed));
                weights.put(prefix + "bias_hh" + suffix, InitialValues.uniform(manager, prefix + "bias_hh" + suffix,
                        new Shape(4L * hiddenSize), bound, seed));
            }
        }
        return new BidirectionalLstm(prefix, inputSize, hiddenSize, layers, dropout, weights);
    }

    private BidirectionalLstm(String prefix, int inputSize, int hiddenSize, int layers, double dropout,
            Map<String, NDArray> weights) {
        this.prefix = prefix;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.layers = layers;
        this.dropout = dropout;
        this.weights = weights;
    }

    Map<String, NDArray> weights() {
        return weights;
    }

    /**
     * [T, input] to [T, 2 * hidden] (forward and backward outputs side by side, as PyTorch); dropout between
     * layers when training, as nn.LSTM's {@code dropout}.
     */
    NDArray forward(NDArray sequence, boolean training) {
        if (sequence.getShape().dimension() != 2 || sequence.getShape().get(1) != inputSize) {
            throw new IllegalArgumentException("the LSTM takes [length, " + inputSize + "], got "
                    + sequence.getShape());
        }
        NDArray x = sequence;
        for (int layer = 0; layer < layers; layer++) {
            if (layer > 0 && training && dropout > 0) {
                x = x.getNDArrayInternal().dropout(x, (float) dropout, true).singletonOrThrow();
            }
            NDArray forward = direction(x, "_l" + layer, false);
            NDArray backward = direction(x, "_l" + layer + "_reverse", true);
            x = forward.concat(backward, 1);
        }
        return x;
    }

    private NDArray direction(NDArray x, String suffix, boolean reverse) {
        NDArray wIh = weights.get(prefix + "weight_ih" + suffix);
        NDArray wHh = weights.get(prefix + "weight_hh" + suffix);
        // Input projections of all steps at once; the recurrence adds h_{t-1} W_hh^T step by step.
        NDArray projected = x.matMul(wIh.transpose()).add(weights.get(prefix + "bias_ih" + suffix))
                .add(weights.get(prefix + "bias_hh" + suffix));
        int length = Math.toIntExact(x.getShape().get(0));
        NDManager manager = x.getManager();
        NDArray h = manager.zeros(new Shape(1, hiddenSize));
        NDArray c = manager.zeros(new Shape(1, hiddenSize));
        NDArray[] outputs = new NDArray[length];
        for (int step = 0; step < length; step++) {
            int t = reverse ? length - 1 - step : step;
            NDArray gates = projected.get(t).reshape(1, 4L * hiddenSize).add(h.matMul(wHh.transpose()));
            NDList split = gates.split(4, 1);
            NDArray input = split.get(0).getNDArrayInternal().sigmoid();
            NDArray forget = split.get(1).getNDArrayInternal().sigmoid();
            NDArray cell = split.get(2).tanh();
            NDArray output = split.get(3).getNDArrayInternal().sigmoid();
            c = forget.mul(c).add(input.mul(cell));
            h = output.mul(c.tanh());
            outputs[t] = h;
        }
        // DJL's concat of a single array returns a detached copy: no gradient would flow back through it
        return length == 1 ? outputs[0] : NDArrays.concat(new NDList(outputs), 0);
    }
}
