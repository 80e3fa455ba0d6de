package org.softprompt.method.prefix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.softprompt.Engines;
import org.softprompt.backbone.Backbone;
import org.softprompt.backbone.Backbones;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.Safetensors;
import org.softprompt.method.Reparam;

/** The same prefix on a bidirectional encoder (tiny BERT): positions are not shifted, prefixes still train. */
class BertPrefixTest {

    @Test
    void prefixOnBertKeepsPositionsAndTrainsOnlyThePrefix() {
        var dir = PrefixTuningTest.fixture("tiny-bert");
        try (NDManager m = Engines.newManager(); Backbone bert = Backbones.load(dir, m);
                PrefixTuning prefix = Prefix.on(bert).length(4).reparam(Reparam.mlp(16)).build(m)) {
            Map<String, NDArray> reference = Safetensors.readAll(dir.resolve("reference.safetensors"), m);
            ForwardInput input = ForwardInput.ofIds(reference.get("input_ids"))
                    .withTokenTypeIds(reference.get("token_type_ids"))
                    .withAttentionMask(reference.get("attention_mask"));
            assertEquals(0, prefix.positionOffset());
            assertFalse(prefix.config().get("positions_after_prefix").getAsBoolean());
            ForwardInput entered = prefix.enter(input);
            assertEquals(null, entered.positionIds());
            assertEquals(bert.numLayers(), entered.prefixes().numLayers());
            try (NDManager step = m.newSubManager();
                    GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray logits = prefix.forward(input).logits();
                collector.backward(logits.logSoftmax(2).get(":, :, 3").mean());
            }
            prefix.trainable().forEach((name, p) -> assertTrue(p.getGradient().abs().sum().getFloat() > 0, name));
            bert.weights().names().forEach(name -> assertFalse(bert.weight(name).hasGradient(), name));
            // initialization from words needs the keys and values a causal model caches
            assertThrows(UnsupportedOperationException.class,
                    () -> Prefix.on(bert).initFromWords(new int[] {5, 6}, "w").build(m));
        }
    }
}
