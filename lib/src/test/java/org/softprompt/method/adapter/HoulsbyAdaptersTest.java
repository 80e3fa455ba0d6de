package org.softprompt.method.adapter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.Gpt2;
import org.softprompt.method.prefix.PrefixTuningTest;
import org.softprompt.method.prefix.Training;
import org.softprompt.task.CausalLmBatch;

class HoulsbyAdaptersTest {
    private static NDManager manager;
    private static Gpt2 gpt2;

    @BeforeAll
    static void load() {
        var dir = PrefixTuningTest.fixture("tiny-gpt2");
        manager = Engines.newManager();
        gpt2 = Gpt2.load(dir, manager);
    }

    @AfterAll
    static void close() {
        if (manager != null) {
            gpt2.close();
            manager.close();
        }
    }

    @Test
    void freshAdaptersAreTheFrozenModel() {
        try (NDManager m = manager.newSubManager(); HoulsbyAdapters adapters = Adapters.on(gpt2).bottleneck(8).build(m)) {
            assertEquals(Adapters.parameterCount(gpt2, 8), adapters.trainedParameterCount());
            CausalLmBatch batch = CausalLmBatch.pairs(Training.SOURCES, Training.TARGETS, Training.SEPARATOR,
                    Training.EOS, 0, CausalLmBatch.Padding.LEFT, m);
            NDArray frozen = gpt2.forward(batch.input()).logits();
            NDArray tuned = adapters.forward(batch.input()).logits();
            assertEquals(0f, frozen.sub(tuned).abs().max().getFloat());
        }
    }

    @Test
    void adaptersTrainAndOnlyTheyGetGradients() {
        try (NDManager m = manager.newSubManager(); HoulsbyAdapters adapters = Adapters.on(gpt2).bottleneck(8).build(m)) {
            try (NDManager step = m.newSubManager();
                    GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                CausalLmBatch batch = CausalLmBatch.pairs(Training.SOURCES, Training.TARGETS, Training.SEPARATOR,
                        Training.EOS, 0, CausalLmBatch.Padding.LEFT, step);
                collector.backward(batch.loss(adapters.forward(batch.input()).logits()));
            }
            // with a zero up-projection only the up-projection (and its bias) sees a gradient at first
            assertTrue(adapters.trainable().get("adapters.2.feed_forward.up.weight").getGradient().abs().sum()
                    .getFloat() > 0);
            for (String name : gpt2.weights().names()) {
                assertFalse(gpt2.weight(name).hasGradient(), name);
            }
            adapters.trainable().values().forEach(p -> p.getGradient().muli(0));
            List<Float> losses = Training.train(adapters, m, 30, 1e-2);
            System.out.printf("adapters r=8: loss %.3f -> %.3f%n", losses.get(0), losses.get(losses.size() - 1));
            assertTrue(losses.get(0) - losses.get(losses.size() - 1) > 0.05, "adapters did not train: " + losses);
            assertTrue(adapters.trainable().get("adapters.0.attention.down.weight").getGradient() != null);
        }
    }

    @Test
    void bottleneckForPicksTheClosestWidth() {
        long total = gpt2.weights().parameterCount();
        for (double fraction : new double[] {0.001, 0.03, 0.1}) {
            int r = Adapters.bottleneckFor(gpt2, fraction);
            double target = fraction * total;
            double error = Math.abs(Adapters.parameterCount(gpt2, r) - target);
            if (r > 1) {
                assertTrue(error <= Math.abs(Adapters.parameterCount(gpt2, r - 1) - target), "r=" + r);
            }
            assertTrue(error <= Math.abs(Adapters.parameterCount(gpt2, r + 1) - target), "r=" + r);
        }
        try (NDManager m = manager.newSubManager(); HoulsbyAdapters a = Adapters.on(gpt2).targetFraction(0.03).build(m)) {
            double fraction = a.config().get("fraction_of_backbone").getAsDouble();
            assertTrue(Math.abs(fraction - 0.03) < 0.01, "fraction " + fraction);
        }
    }
}
