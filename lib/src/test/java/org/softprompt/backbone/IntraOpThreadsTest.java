package org.softprompt.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;

import org.junit.jupiter.api.Test;
import org.softprompt.Engines;

class IntraOpThreadsTest {

    @Test
    void runsOnOneThreadAndRestoresTheSettingAfterwardsAndAfterAFailure() {
        Engines.pytorch();
        int configured = JniUtils.getNumThreads();
        assertEquals(configured, IntraOpThreads.CONFIGURED);
        assertEquals(1, (int) IntraOpThreads.single(JniUtils::getNumThreads));
        assertEquals(configured, JniUtils.getNumThreads());
        IllegalStateException thrown = new IllegalStateException("inside");
        assertSame(thrown, assertThrows(IllegalStateException.class, () -> IntraOpThreads.single(() -> {
            throw thrown;
        })));
        assertEquals(configured, JniUtils.getNumThreads());
        // nested sections restore what they found
        assertEquals(1, (int) IntraOpThreads.single(() -> IntraOpThreads.single(JniUtils::getNumThreads)));
        assertEquals(configured, JniUtils.getNumThreads());
    }

    /**
     * Inside a one-thread section, the vocabulary projection is still split over the configured number of threads
     * (SingleRowProduct reads the configured count, not the caller's current one), and results are unchanged.
     */
    @Test
    void theVocabularyProjectionStillSplitsInsideASection() {
        try (NDManager manager = Engines.newManager()) {
            NDArray weight = manager.randomNormal(new Shape(16411, 512)); // 8.4M elements: split when threads allow
            NDArray row = manager.randomNormal(new Shape(1, 512));
            float[] outside = row.getNDArrayInternal().linear(row, weight, null).singletonOrThrow().toFloatArray();
            float[] inside = IntraOpThreads.single(() -> {
                assertEquals(IntraOpThreads.CONFIGURED >= 2, SingleRowProduct.applies(row, weight, null));
                return Nn.linear(row, weight, null).toFloatArray();
            });
            assertEquals(16411, inside.length);
            for (int i = 0; i < inside.length; i++) {
                assertEquals(outside[i], inside[i], 1e-4f * (1 + Math.abs(outside[i])), "output " + i);
            }
        }
    }
}
