package org.softprompt.method.ptuning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;

class PromptEncoderTest {
    private static final int TOKENS = 5;
    private static final int D = 8;
    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = Engines.newManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /**
     * Shapes and counts: embedding n*d; each LSTM direction of layer k has 4h*in + 4h*h + 2*4h scalars (in = d for
     * layer 0, 2h for layer 1, h = d/2); the MLP 2*(d*d + d).
     */
    @ParameterizedTest
    @EnumSource(PromptEncoder.Kind.class)
    void outputsOneEmbeddingPerPseudoTokenWithTheDerivedParameterCount(PromptEncoder.Kind kind) {
        try (NDManager scope = manager.newSubManager()) {
            PromptEncoder encoder = PromptEncoder.create(kind, TOKENS, D, null, 0, scope, 1);
            assertEquals(new Shape(TOKENS, D), encoder.forward(false).getShape());
            int h = D / 2;
            long lstm = 2 * (4L * h * D + 4L * h * h + 8L * h) + 2 * (4L * h * 2 * h + 4L * h * h + 8L * h);
            long mlp = 2 * ((long) D * D + D);
            long expected = (long) TOKENS * D + switch (kind) {
                case LSTM_MLP -> lstm + mlp;
                case MLP -> mlp;
                case NONE -> 0;
            };
            assertEquals(expected, encoder.parameters().values().stream().mapToLong(NDArray::size).sum());
            assertTrue(encoder.parameters().values().stream().allMatch(NDArray::hasGradient));
        }
    }

    /** The encoder against the same computation in plain Java doubles, step by step (PyTorch's LSTM equations). */
    @ParameterizedTest
    @EnumSource(PromptEncoder.Kind.class)
    void matchesAStepByStepReference(PromptEncoder.Kind kind) {
        try (NDManager scope = manager.newSubManager()) {
            PromptEncoder encoder = PromptEncoder.create(kind, TOKENS, D, null, 0, scope, 2);
            Map<String, NDArray> p = encoder.parameters();
            double[][] x = matrix(p.get("prompt_encoder.embedding.weight"));
            if (kind == PromptEncoder.Kind.LSTM_MLP) {
                for (int layer = 0; layer < 2; layer++) {
                    double[][] forward = lstmDirection(x, p, "_l" + layer, false);
                    double[][] backward = lstmDirection(x, p, "_l" + layer + "_reverse", true);
                    double[][] both = new double[TOKENS][D];
                    for (int t = 0; t < TOKENS; t++) {
                        System.arraycopy(forward[t], 0, both[t], 0, D / 2);
                        System.arraycopy(backward[t], 0, both[t], D / 2, D / 2);
                    }
                    x = both;
                }
            }
            if (kind != PromptEncoder.Kind.NONE) {
                x = linear(x, p, "prompt_encoder.mlp_head.0");
                for (double[] row : x) {
                    for (int i = 0; i < row.length; i++) {
                        row[i] = Math.max(0, row[i]);
                    }
                }
                x = linear(x, p, "prompt_encoder.mlp_head.2");
            }
            float[] actual = encoder.forward(false).toFloatArray();
            for (int t = 0; t < TOKENS; t++) {
                for (int i = 0; i < D; i++) {
                    assertEquals(x[t][i], actual[t * D + i], 2e-6, "token " + t + ", unit " + i);
                }
            }
        }
    }

    /** Gradients of sum(output * R) against central finite differences, for scalars of every tensor. */
    @ParameterizedTest
    @EnumSource(PromptEncoder.Kind.class)
    void gradientsMatchFiniteDifferences(PromptEncoder.Kind kind) {
        gradientsMatchFiniteDifferences(kind, TOKENS);
    }

    /** One pseudo token: a sequence of length one (DJL's concat of a single array would drop the gradient). */
    @ParameterizedTest
    @EnumSource(PromptEncoder.Kind.class)
    void gradientsMatchFiniteDifferencesForASinglePseudoToken(PromptEncoder.Kind kind) {
        gradientsMatchFiniteDifferences(kind, 1);
    }

    private void gradientsMatchFiniteDifferences(PromptEncoder.Kind kind, int tokens) {
        try (NDManager scope = manager.newSubManager()) {
            PromptEncoder encoder = PromptEncoder.create(kind, tokens, D, null, 0, scope, 3);
            Random weights = new Random(tokens);
            float[] values = new float[tokens * D];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) weights.nextGaussian();
            }
            NDArray r = scope.create(values, new Shape(tokens, D));
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(encoder.forward(true).mul(r).sum());
            }
            Random random = new Random(5);
            int checked = 0;
            for (Map.Entry<String, NDArray> entry : encoder.parameters().entrySet()) {
                NDArray parameter = entry.getValue();
                float[] gradient = parameter.getGradient().toFloatArray();
                // with one step the initial state is zero, so W_hh has (correctly) no gradient
                boolean expectsGradient = tokens > 1 || !entry.getKey().contains("weight_hh");
                assertEquals(expectsGradient, anyNonZero(gradient), entry.getKey() + " gradient");
                for (int sample = 0; sample < 3; sample++) {
                    int index = random.nextInt(gradient.length);
                    // small enough that a ReLU input rarely crosses zero, large enough for float32 rounding
                    double eps = 2e-3;
                    double plus = perturbed(encoder, parameter, index, eps, r);
                    double minus = perturbed(encoder, parameter, index, -eps, r);
                    double numeric = (plus - minus) / (2 * eps);
                    assertEquals(numeric, gradient[index], 3e-3 + 2e-2 * Math.abs(numeric),
                            entry.getKey() + "[" + index + "]");
                    checked++;
                }
            }
            assertEquals(encoder.parameters().size() * 3, checked);
        }
    }

    @Test
    void initialEmbeddingsAreUsedAsGiven() {
        try (NDManager scope = manager.newSubManager()) {
            NDArray initial = scope.randomUniform(-1, 1, new Shape(TOKENS, D));
            PromptEncoder encoder = PromptEncoder.create(PromptEncoder.Kind.NONE, TOKENS, D, initial, 0, scope, 4);
            assertEquals(0f, encoder.forward(false).sub(initial).abs().max().getFloat());
        }
    }

    private static double perturbed(PromptEncoder encoder, NDArray parameter, int index, double eps, NDArray r) {
        float[] values = parameter.toFloatArray();
        float original = values[index];
        values[index] = (float) (original + eps);
        set(parameter, values);
        double value;
        try (NDManager scope = manager.newSubManager()) {
            NDArray out = encoder.forward(false);
            value = 0;
            float[] o = out.toFloatArray();
            float[] w = r.toFloatArray();
            for (int i = 0; i < o.length; i++) {
                value += (double) o[i] * w[i];
            }
        }
        values[index] = original;
        set(parameter, values);
        return value;
    }

    /** Overwrites a trainable array's values outside autograd. */
    private static void set(NDArray parameter, float[] values) {
        parameter.setRequiresGradient(false);
        parameter.set(values);
        parameter.setRequiresGradient(true);
    }

    private static boolean anyNonZero(float[] values) {
        for (float v : values) {
            if (v != 0) {
                return true;
            }
        }
        return false;
    }

    private static double[][] lstmDirection(double[][] x, Map<String, NDArray> p, String suffix, boolean reverse) {
        String prefix = "prompt_encoder.lstm_head.";
        double[][] wIh = matrix(p.get(prefix + "weight_ih" + suffix));
        double[][] wHh = matrix(p.get(prefix + "weight_hh" + suffix));
        float[] bIh = p.get(prefix + "bias_ih" + suffix).toFloatArray();
        float[] bHh = p.get(prefix + "bias_hh" + suffix).toFloatArray();
        int h = wHh[0].length;
        double[] hidden = new double[h];
        double[] cell = new double[h];
        double[][] out = new double[x.length][];
        for (int step = 0; step < x.length; step++) {
            int t = reverse ? x.length - 1 - step : step;
            double[] gates = new double[4 * h];
            for (int g = 0; g < 4 * h; g++) {
                double sum = bIh[g] + bHh[g];
                for (int i = 0; i < x[t].length; i++) {
                    sum += wIh[g][i] * x[t][i];
                }
                for (int i = 0; i < h; i++) {
                    sum += wHh[g][i] * hidden[i];
                }
                gates[g] = sum;
            }
            double[] next = new double[h];
            for (int i = 0; i < h; i++) {
                double in = sigmoid(gates[i]);
                double forget = sigmoid(gates[h + i]);
                double candidate = Math.tanh(gates[2 * h + i]);
                double output = sigmoid(gates[3 * h + i]);
                cell[i] = forget * cell[i] + in * candidate;
                next[i] = output * Math.tanh(cell[i]);
            }
            hidden = next;
            out[t] = next;
        }
        return out;
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    private static double[][] linear(double[][] x, Map<String, NDArray> p, String module) {
        double[][] w = matrix(p.get(module + ".weight"));
        float[] b = p.get(module + ".bias").toFloatArray();
        double[][] out = new double[x.length][w.length];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < w.length; o++) {
                double sum = b[o];
                for (int i = 0; i < x[t].length; i++) {
                    sum += w[o][i] * x[t][i];
                }
                out[t][o] = sum;
            }
        }
        return out;
    }

    private static double[][] matrix(NDArray array) {
        int rows = (int) array.getShape().get(0);
        int cols = (int) array.getShape().get(1);
        float[] values = array.toFloatArray();
        List<double[]> out = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            double[] row = new double[cols];
            for (int c = 0; c < cols; c++) {
                row[c] = values[r * cols + c];
            }
            out.add(row);
        }
        return out.toArray(double[][]::new);
    }
}
