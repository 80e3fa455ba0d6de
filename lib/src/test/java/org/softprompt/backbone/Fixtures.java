package org.softprompt.backbone;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.nio.file.Path;
import java.util.Map;

/** The Hugging Face reference fixtures (see shared/hf-fixtures/README.md) and comparison helpers. */
final class Fixtures {
    private Fixtures() {}

    /** shared/hf-fixtures/{name}; the test is skipped when the shared folder is not there. */
    static Path dir(String name) {
        return org.softprompt.SharedFixtures.hfFixture(name);
    }

    /** The inputs and transformers' outputs stored in {name}/reference.safetensors. */
    static Map<String, NDArray> reference(String name, NDManager manager) {
        return Safetensors.readAll(dir(name).resolve("reference.safetensors"), manager);
    }

    /**
     * Asserts that {@code actual} is within 1e-4 of transformers' {@code expected} (where {@code mask} [B, T] is 1,
     * if given) and prints the largest difference for the test log.
     */
    static void assertMatchesReference(String what, NDArray actual, NDArray expected, NDArray mask) {
        float difference = maxAbsDiffWhere(actual, expected, mask);
        System.out.println(what + " max abs diff " + (mask != null ? "(mask 1) " : "") + difference);
        assertTrue(difference < 1e-4, what + " differs by " + difference);
    }

    static void assertMatchesReference(String what, NDArray actual, NDArray expected) {
        assertMatchesReference(what, actual, expected, null);
    }

    static float maxAbsDiff(NDArray a, NDArray b) {
        if (!a.getShape().equals(b.getShape())) {
            throw new AssertionError("shapes differ: " + a.getShape() + " vs " + b.getShape());
        }
        return a.sub(b).abs().max().getFloat();
    }

    /** The largest difference at positions where {@code mask} [B, T] is 1 (a and b are [B, T, ...]). */
    static float maxAbsDiffWhere(NDArray a, NDArray b, NDArray mask) {
        if (mask == null) {
            return maxAbsDiff(a, b);
        }
        NDArray keep = mask.toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
        while (keep.getShape().dimension() < a.getShape().dimension()) {
            keep = keep.expandDims(-1);
        }
        return a.sub(b).abs().mul(keep).max().getFloat();
    }
}
