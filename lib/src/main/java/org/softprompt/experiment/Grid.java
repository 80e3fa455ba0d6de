package org.softprompt.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sweep: the cross product of named axes, times seeds. {@code Grid.of("length", 1, 5, 10).and("method",
 * "prefix", "fine-tune").seeds(1, 2, 3)} makes 18 runs. Configurations that make no sense can be dropped with
 * {@link #where}.
 */
public final class Grid {
    private final LinkedHashMap<String, List<Object>> axes = new LinkedHashMap<>();
    private final List<java.util.function.Predicate<Run>> filters = new ArrayList<>();
    private long[] seeds = {0};

    private Grid() {}

    public static Grid of(String axis, Object... values) {
        return new Grid().and(axis, values);
    }

    /** A grid of one configuration (e.g. fixed settings) to which axes can be added. */
    public static Grid single(Map<String, Object> fixed) {
        Grid grid = new Grid();
        fixed.forEach((k, v) -> grid.and(k, v));
        return grid;
    }

    public Grid and(String axis, Object... values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("axis '" + axis + "' has no values");
        }
        if (axes.containsKey(axis)) {
            throw new IllegalArgumentException("axis '" + axis + "' is given twice");
        }
        axes.put(axis, List.of(values));
        return this;
    }

    public Grid seeds(long... seeds) {
        if (seeds.length == 0) {
            throw new IllegalArgumentException("at least one seed");
        }
        this.seeds = seeds.clone();
        return this;
    }

    public Grid where(java.util.function.Predicate<Run> keep) {
        filters.add(keep);
        return this;
    }

    public List<String> axes() {
        return List.copyOf(axes.keySet());
    }

    /** Every run, configurations in axis order (the last axis varies fastest), seeds innermost. */
    public List<Run> runs() {
        List<Map<String, Object>> configs = new ArrayList<>();
        configs.add(new LinkedHashMap<>());
        for (Map.Entry<String, List<Object>> axis : axes.entrySet()) {
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> partial : configs) {
                for (Object value : axis.getValue()) {
                    Map<String, Object> extended = new LinkedHashMap<>(partial);
                    extended.put(axis.getKey(), value);
                    next.add(extended);
                }
            }
            configs = next;
        }
        List<Run> runs = new ArrayList<>();
        for (Map<String, Object> config : configs) {
            for (long seed : seeds) {
                Run run = new Run(config, seed);
                if (filters.stream().allMatch(f -> f.test(run))) {
                    runs.add(run);
                }
            }
        }
        return runs;
    }
}
