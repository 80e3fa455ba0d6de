package org.softprompt.experiment;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs every {@link Run} of a {@link Grid} through a task and gathers the metrics it returns into
 * {@link Results}. With {@link #cacheIn(Path)}, each finished run is stored as a small JSON file and reused, so
 * re-executing a notebook (or a sweep interrupted half-way) does only the missing runs.
 */
public final class Experiment {

    /** One run's work: train and evaluate with the run's configuration and seed, return named metrics. */
    @FunctionalInterface
    public interface Task extends Serializable {
        Map<String, Double> run(Run run) throws Exception;
    }

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues()
            .disableHtmlEscaping().create();

    private final String name;
    private Path cache;
    private Consumer<String> log = message -> {};

    private Experiment(String name) {
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("experiment name '" + name + "' must use only letters, digits, . _ -");
        }
        this.name = name;
    }

    public static Experiment named(String name) {
        return new Experiment(name);
    }

    /** Stores finished runs under {@code directory/<name>/<run id>.json} and reuses them. */
    public Experiment cacheIn(Path directory) {
        this.cache = directory.resolve(name);
        return this;
    }

    /** Receives one line per run (started, cached, finished with its metrics). */
    public Experiment log(Consumer<String> log) {
        this.log = log;
        return this;
    }

    public Results run(Grid grid, Task task) {
        List<Run> runs = grid.runs();
        List<Map<String, Double>> metrics = new ArrayList<>();
        int index = 0;
        for (Run run : runs) {
            index++;
            Map<String, Double> result = cached(run);
            if (result != null) {
                log.accept("[" + index + "/" + runs.size() + "] " + run + " (cached) " + result);
            } else {
                log.accept("[" + index + "/" + runs.size() + "] " + run);
                try {
                    result = new LinkedHashMap<>(task.run(run));
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException("run " + run + " of experiment '" + name + "' failed: " + e, e);
                }
                store(run, result);
                log.accept("    -> " + result);
            }
            metrics.add(result);
        }
        return new Results(grid.axes(), runs, metrics);
    }

    private Map<String, Double> cached(Run run) {
        if (cache == null) {
            return null;
        }
        Path file = cache.resolve(run.id() + ".json");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonObject json = GSON.fromJson(Files.readString(file), JsonObject.class);
            return GSON.fromJson(json.get("metrics"), new TypeToken<LinkedHashMap<String, Double>>() {}.getType());
        } catch (IOException | JsonParseException | NullPointerException e) {
            throw new IllegalStateException("cached run " + file + " is unreadable (" + e.getMessage()
                    + "); delete it to run again", e);
        }
    }

    private void store(Run run, Map<String, Double> metrics) {
        if (cache == null) {
            return;
        }
        JsonObject json = new JsonObject();
        json.add("config", GSON.toJsonTree(run.config()));
        json.addProperty("seed", run.seed());
        json.add("metrics", GSON.toJsonTree(metrics));
        try {
            Files.createDirectories(cache);
            Path file = cache.resolve(run.id() + ".json");
            Path temporary = Files.createTempFile(cache, run.id(), ".tmp");
            Files.writeString(temporary, GSON.toJson(json), StandardCharsets.UTF_8);
            try {
                Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not store run " + run + " under " + cache, e);
        }
    }
}
