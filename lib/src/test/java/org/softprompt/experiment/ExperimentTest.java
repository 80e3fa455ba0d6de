package org.softprompt.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;

class ExperimentTest {

    @Test
    void gridIsTheCrossProductTimesSeeds() {
        Grid grid = Grid.of("length", 1, 5, 10).and("method", "prefix", "fine-tune").seeds(1, 2, 3);
        List<Run> runs = grid.runs();
        assertEquals(18, runs.size());
        assertEquals(Map.of("length", 1, "method", "prefix"), runs.get(0).config());
        assertEquals(1, runs.get(0).seed());
        assertEquals(Map.of("length", 1, "method", "fine-tune"), runs.get(3).config());
        assertEquals(12, grid.where(r -> r.integer("length") > 1).runs().size());
    }

    @Test
    void runIdsIgnoreKeyOrderButNotValuesOrSeeds() {
        Run a = new Run(Map.of("a", 1, "b", "x"), 7);
        Run b = new Run(new java.util.TreeMap<>(Map.of("b", "x", "a", 1)), 7);
        assertEquals(a.id(), b.id());
        assertTrue(!a.id().equals(new Run(Map.of("a", 2, "b", "x"), 7).id()));
        assertTrue(!a.id().equals(new Run(Map.of("a", 1, "b", "x"), 8).id()));
        assertThrows(IllegalArgumentException.class, () -> new Run(Map.of("a", List.of(1)), 0));
    }

    @Test
    void summaryHasMeanAndSampleStandardDeviationPerConfiguration(@TempDir Path cache) {
        // accuracy = length / 10 + seed / 100: mean over seeds 1..3 adds 0.02, sd of {.01,.02,.03} is 0.01.
        Experiment.Task task = run -> Map.of("accuracy", run.integer("length") / 10.0 + run.seed() / 100.0);
        Grid grid = Grid.of("length", 1, 5).and("method", "prefix", "tune").seeds(1, 2, 3);
        Results results = Experiment.named("toy").cacheIn(cache).run(grid, task);
        Table raw = results.raw();
        assertEquals(12, raw.rowCount());
        assertEquals(List.of("length", "method", "seed", "accuracy"), raw.columnNames());
        Table summary = results.summary();
        assertEquals(4, summary.rowCount());
        assertEquals(0.12, summary.doubleColumn("accuracy_mean").get(0), 1e-12);
        assertEquals(0.01, summary.doubleColumn("accuracy_std").get(0), 1e-12);
        assertEquals(3, summary.intColumn("seeds").get(0));
        Figure figure = results.plot("length", "accuracy", "method", "accuracy vs length");
        assertTrue(figure.asJavascript("plot").contains("accuracy vs length"));
    }

    @Test
    void cachedRunsAreNotRunAgain(@TempDir Path cache) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Experiment.Task task = run -> {
            calls.incrementAndGet();
            return Map.of("score", (double) run.seed());
        };
        Grid grid = Grid.of("x", 1, 2).seeds(1, 2);
        Experiment.named("cached").cacheIn(cache).run(grid, task);
        assertEquals(4, calls.get());
        Results again = Experiment.named("cached").cacheIn(cache).run(Grid.of("x", 1, 2, 3).seeds(1, 2), task);
        assertEquals(6, calls.get(), "only the two new runs execute");
        assertEquals(6, again.raw().rowCount());
        try (var files = Files.list(cache.resolve("cached"))) {
            assertEquals(6, files.filter(f -> f.toString().endsWith(".json")).count());
        }
    }

    @Test
    void aCorruptCacheEntryIsNamed(@TempDir Path cache) throws Exception {
        Grid grid = Grid.of("x", 1).seeds(1);
        Run run = grid.runs().get(0);
        Files.createDirectories(cache.resolve("broken"));
        Files.writeString(cache.resolve("broken").resolve(run.id() + ".json"), "{not json");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Experiment.named("broken").cacheIn(cache).run(grid, r -> Map.of("s", 1.0)));
        assertTrue(e.getMessage().contains(run.id() + ".json"), e.getMessage());
    }
}
