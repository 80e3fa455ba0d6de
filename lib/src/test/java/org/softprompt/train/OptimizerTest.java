package org.softprompt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;

class OptimizerTest {
    private NDManager manager;

    @BeforeEach
    void start() {
        manager = Engines.newManager();
    }

    @AfterEach
    void stop() {
        manager.close();
    }

    /** Accumulates the gradient {@code coefficients[k]} on the weight: loss = sum(w * c). */
    private void backward(NDArray weight, float[] coefficients) {
        try (NDManager step = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray c = step.create(coefficients);
            collector.backward(weight.mul(c).sum());
        }
    }

    @Test
    void adamWMatchesTorchFormulaOverSeveralSteps() {
        float[] w0 = {0.5f, -1.0f, 2.0f};
        float[][] grads = {{0.1f, -0.2f, 0.3f}, {0.05f, 0.4f, -0.1f}, {-0.3f, 0.0f, 0.2f}};
        double lr = 0.01, wd = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        NDArray weight = manager.create(w0.clone());
        weight.setRequiresGradient(true);
        Map<String, NDArray> params = Map.of("w", weight);
        try (AdamW adam = new AdamW(List.of(ParameterGroup.all(lr, wd)), LearningRateSchedule.constant(), manager)) {
            // torch.optim.AdamW, step by step in double precision
            double[] w = {w0[0], w0[1], w0[2]};
            double[] m = new double[3];
            double[] v = new double[3];
            for (int t = 1; t <= grads.length; t++) {
                backward(weight, grads[t - 1]);
                adam.step(params);
                for (int i = 0; i < 3; i++) {
                    double g = grads[t - 1][i];
                    w[i] -= lr * wd * w[i];
                    m[i] = b1 * m[i] + (1 - b1) * g;
                    v[i] = b2 * v[i] + (1 - b2) * g * g;
                    double mHat = m[i] / (1 - Math.pow(b1, t));
                    double vHat = v[i] / (1 - Math.pow(b2, t));
                    w[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
                }
                float[] got = weight.toFloatArray();
                for (int i = 0; i < 3; i++) {
                    assertEquals(w[i], got[i], 1e-6, "step " + t + " element " + i);
                }
            }
            assertEquals(3, adam.steps());
            assertEquals(0f, weight.getGradient().abs().sum().getFloat(), "gradients are zeroed after a step");
        }
    }

    @Test
    void sgdWithMomentumMatchesTorchFormulaUnderASchedule() {
        float[] w0 = {1.0f, -2.0f};
        float[][] grads = {{0.5f, -0.5f}, {0.25f, 1.0f}, {-1.0f, 0.5f}};
        double lr = 0.1, wd = 0.01, mu = 0.9;
        LearningRateSchedule schedule = LearningRateSchedule.linear(1, 3);
        NDArray weight = manager.create(w0.clone());
        weight.setRequiresGradient(true);
        try (Sgd sgd = new Sgd(List.of(ParameterGroup.all(lr, wd)), schedule, manager, mu)) {
            double[] w = {w0[0], w0[1]};
            double[] buf = new double[2];
            for (int t = 1; t <= grads.length; t++) {
                double stepLr = lr * schedule.factor(t - 1);
                assertEquals(stepLr, sgd.learningRate("w"), 1e-12);
                backward(weight, grads[t - 1]);
                sgd.step(Map.of("w", weight));
                for (int i = 0; i < 2; i++) {
                    double g = grads[t - 1][i] + wd * w[i];
                    buf[i] = t == 1 ? g : mu * buf[i] + g;
                    w[i] -= stepLr * buf[i];
                }
                float[] got = weight.toFloatArray();
                assertEquals(w[0], got[0], 1e-6, "step " + t);
                assertEquals(w[1], got[1], 1e-6, "step " + t);
            }
        }
    }

    @Test
    void frozenParametersAreUntouchedAndGetNoState() {
        NDArray trained = manager.create(new float[] {1f, 1f});
        trained.setRequiresGradient(true);
        NDArray frozen = manager.create(new float[] {3f, 3f});
        Map<String, NDArray> params = new LinkedHashMap<>();
        params.put("prefix", trained);
        params.put("backbone.weight", frozen);
        try (AdamW adam = new AdamW(List.of(ParameterGroup.all(0.1, 0.0)), LearningRateSchedule.constant(),
                manager)) {
            try (NDManager step = manager.newSubManager();
                    GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(trained.mul(frozen).sum());
            }
            adam.step(params);
            assertFalse(frozen.hasGradient());
            assertEquals(3f, frozen.toFloatArray()[0]);
            assertTrue(trained.toFloatArray()[0] < 1f);
            assertEquals(List.of("exp_avg/prefix", "exp_avg_sq/prefix"), List.copyOf(adam.state().keySet()));
        }
    }

    @Test
    void restoredStateContinuesExactlyLikeAnUninterruptedRun() {
        float[][] grads = {{0.3f, -0.1f}, {0.2f, 0.2f}, {-0.4f, 0.1f}, {0.1f, 0.5f}};
        NDArray straight = manager.create(new float[] {0.2f, 0.7f});
        straight.setRequiresGradient(true);
        try (AdamW adam = new AdamW(List.of(ParameterGroup.all(0.05, 0.01)), LearningRateSchedule.cosine(1, 4),
                manager)) {
            for (float[] g : grads) {
                backward(straight, g);
                adam.step(Map.of("p", straight));
            }
        }
        NDArray resumed = manager.create(new float[] {0.2f, 0.7f});
        resumed.setRequiresGradient(true);
        Map<String, NDArray> savedState = new LinkedHashMap<>();
        long savedSteps;
        try (AdamW first = new AdamW(List.of(ParameterGroup.all(0.05, 0.01)), LearningRateSchedule.cosine(1, 4),
                manager)) {
            for (int i = 0; i < 2; i++) {
                backward(resumed, grads[i]);
                first.step(Map.of("p", resumed));
            }
            first.state().forEach((k, v) -> {
                NDArray copy = v.duplicate(); // outlives the optimizer, like a checkpoint on disk
                copy.attach(manager);
                savedState.put(k, copy);
            });
            savedSteps = first.steps();
        }
        try (AdamW second = new AdamW(List.of(ParameterGroup.all(0.05, 0.01)), LearningRateSchedule.cosine(1, 4),
                manager)) {
            second.restore(savedState, savedSteps);
            for (int i = 2; i < 4; i++) {
                backward(resumed, grads[i]);
                second.step(Map.of("p", resumed));
            }
        }
        float[] a = straight.toFloatArray();
        float[] b = resumed.toFloatArray();
        assertEquals(a[0], b[0], 0f);
        assertEquals(a[1], b[1], 0f);
    }

    @Test
    void groupsSelectRatesAndDecayByName() {
        ParameterGroup[] groups = ParameterGroup.decayExceptBiasAndNorm(1e-3, 0.01);
        assertTrue(ParameterGroup.isBiasOrNorm("bert.encoder.layer.0.output.LayerNorm.weight"));
        assertTrue(ParameterGroup.isBiasOrNorm("h.0.ln_1.weight"));
        assertTrue(ParameterGroup.isBiasOrNorm("ln_f.weight"));
        assertTrue(ParameterGroup.isBiasOrNorm("vit.encoder.layer.3.layernorm_before.weight"));
        assertTrue(ParameterGroup.isBiasOrNorm("h.0.attn.c_attn.bias"));
        assertFalse(ParameterGroup.isBiasOrNorm("h.0.attn.c_attn.weight"));
        assertFalse(ParameterGroup.isBiasOrNorm("bert.embeddings.word_embeddings.weight"));
        assertEquals(0.0, groups[0].weightDecay());
    }

    @Test
    void schedulesFollowHuggingFaceShapes() {
        LearningRateSchedule linear = LearningRateSchedule.linear(10, 110);
        assertEquals(0.0, linear.factor(0));
        assertEquals(0.5, linear.factor(5), 1e-12);
        assertEquals(1.0, linear.factor(10), 1e-12);
        assertEquals(0.5, linear.factor(60), 1e-12);
        assertEquals(0.0, linear.factor(110), 1e-12);
        LearningRateSchedule cosine = LearningRateSchedule.cosine(0, 100);
        assertEquals(1.0, cosine.factor(0), 1e-12);
        assertEquals(0.5, cosine.factor(50), 1e-12);
        assertEquals(0.0, cosine.factor(100), 1e-12);
    }

    @Test
    void clippingScalesTheGlobalNorm() {
        NDArray a = manager.create(new float[] {1f, 1f});
        NDArray b = manager.create(new float[] {1f});
        a.setRequiresGradient(true);
        b.setRequiresGradient(true);
        try (NDManager step = manager.newSubManager();
                GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray loss = a.mul(step.create(new float[] {3f, 4f})).sum().add(b.mul(12f).sum());
            collector.backward(loss);
        }
        double before = Gradients.clipGlobalNorm(List.of(a, b), 1.0); // sqrt(9 + 16 + 144) = 13
        assertEquals(13.0, before, 1e-5);
        assertEquals(1.0, Gradients.globalNorm(List.of(a, b)), 1e-4);
        assertEquals(3.0 / 13.0, a.getGradient().toFloatArray()[0], 1e-5);
    }
}
