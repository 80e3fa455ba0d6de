package org.softprompt.method.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.Gpt2;
import org.softprompt.method.prefix.PrefixTuningTest;
import org.softprompt.method.prefix.Training;

class FineTuneTest {

    @Test
    void topLayersTrainsOnlyTheTopLayersAndCloseFreezesThem() {
        Path dir = PrefixTuningTest.fixture("tiny-gpt2");
        try (NDManager m = Engines.newManager(); Gpt2 gpt2 = Gpt2.load(dir, m)) {
            float before = gpt2.weight("transformer.h.0.attn.c_attn.weight").sum().getFloat();
            try (FineTune top = FineTune.topLayers(gpt2, 2)) {
                assertEquals(24, top.trainable().size());
                top.trainable().keySet().forEach(name -> assertTrue(name.startsWith("transformer.h.1.")
                        || name.startsWith("transformer.h.2."), name));
                List<Float> losses = Training.train(top, m, 30, 1e-3);
                System.out.printf("FT-top2: loss %.3f -> %.3f%n", losses.get(0), losses.get(losses.size() - 1));
                assertTrue(losses.get(0) - losses.get(losses.size() - 1) > 0.05, "did not train: " + losses);
                assertFalse(gpt2.weight("transformer.h.0.attn.c_attn.weight").hasGradient());
            }
            assertEquals(before, gpt2.weight("transformer.h.0.attn.c_attn.weight").sum().getFloat());
            assertTrue(gpt2.trainable().isEmpty(), "close() must freeze the backbone again");
            try (FineTune all = FineTune.all(gpt2)) {
                assertEquals(gpt2.weights().parameterCount(), all.trainedParameterCount());
                assertEquals(1.0, all.config().get("fraction_of_backbone").getAsDouble());
            }
        }
    }
}
