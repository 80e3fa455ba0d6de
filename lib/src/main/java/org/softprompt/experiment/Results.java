package org.softprompt.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.traces.ScatterTrace;
import tech.tablesaw.plotly.traces.Trace;

/** The metrics of every run of a sweep, as Tablesaw tables: one row per run, or mean and spread per configuration. */
public final class Results {
    private final List<String> axes;
    private final List<Run> runs;
    private final List<Map<String, Double>> metrics;
    private final List<String> metricNames;

    Results(List<String> axes, List<Run> runs, List<Map<String, Double>> metrics) {
        this.axes = List.copyOf(axes);
        this.runs = List.copyOf(runs);
        this.metrics = List.copyOf(metrics);
        Set<String> names = new LinkedHashSet<>();
        metrics.forEach(m -> names.addAll(m.keySet()));
        this.metricNames = List.copyOf(names);
    }

    public List<String> metricNames() {
        return metricNames;
    }

    /** One row per run: the configuration's columns, the seed, and every metric (missing metrics are empty). */
    public Table raw() {
        Table table = Table.create("runs");
        for (String axis : axes) {
            table.addColumns(column(axis, runs.stream().map(r -> r.config().get(axis)).toList()));
        }
        table.addColumns(LongColumn.create("seed", runs.stream().mapToLong(Run::seed).toArray()));
        for (String metric : metricNames) {
            DoubleColumn column = DoubleColumn.create(metric);
            metrics.forEach(m -> {
                Double value = m.get(metric);
                if (value == null) {
                    column.appendMissing();
                } else {
                    column.append(value);
                }
            });
            table.addColumns(column);
        }
        return table;
    }

    /**
     * One row per configuration, in sweep order: the configuration's columns, the number of seeds, and for each
     * metric its mean and its sample standard deviation over seeds (n - 1 in the denominator; 0 for one seed).
     */
    public Table summary() {
        Map<Map<String, Object>, List<Map<String, Double>>> byConfig = new LinkedHashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            byConfig.computeIfAbsent(runs.get(i).config(), k -> new ArrayList<>()).add(metrics.get(i));
        }
        Table table = Table.create("summary");
        for (String axis : axes) {
            table.addColumns(column(axis, byConfig.keySet().stream().map(c -> c.get(axis)).toList()));
        }
        table.addColumns(IntColumn.create("seeds", byConfig.values().stream().mapToInt(List::size).toArray()));
        for (String metric : metricNames) {
            DoubleColumn mean = DoubleColumn.create(metric + "_mean");
            DoubleColumn std = DoubleColumn.create(metric + "_std");
            for (List<Map<String, Double>> group : byConfig.values()) {
                double[] values = group.stream().map(m -> m.get(metric)).filter(v -> v != null)
                        .mapToDouble(Double::doubleValue).toArray();
                mean.append(values.length == 0 ? Double.NaN : mean(values));
                std.append(values.length == 0 ? Double.NaN : sampleStd(values));
            }
            table.addColumns(mean, std);
        }
        return table;
    }

    /**
     * A line per value of {@code series} (or one line if null): the mean of {@code metric} against {@code x}, with
     * a shaded band of one standard deviation.
     */
    public Figure plot(String x, String metric, String series, String title) {
        Table summary = summary();
        List<Trace> traces = new ArrayList<>();
        List<Object> seriesValues = series == null ? java.util.Collections.singletonList(null)
                : new ArrayList<Object>(new LinkedHashSet<Object>(summary.column(series).asList()));
        for (Object value : seriesValues) {
            Table part = summary.emptyCopy();
            for (int row = 0; row < summary.rowCount(); row++) {
                if (value == null || value.equals(summary.column(series).get(row))) {
                    part.addRow(row, summary);
                }
            }
            part = part.sortAscendingOn(x);
            DoubleColumn mean = part.doubleColumn(metric + "_mean");
            DoubleColumn std = part.doubleColumn(metric + "_std");
            DoubleColumn upper = mean.add(std);
            DoubleColumn lower = mean.subtract(std);
            Column<?> xs = part.column(x);
            String label = value == null ? metric : String.valueOf(value);
            traces.add(ScatterTrace.builder(xs, lower).mode(ScatterTrace.Mode.LINE).showLegend(false)
                    .opacity(0.2).name(label + " - sd").build());
            traces.add(ScatterTrace.builder(xs, upper).mode(ScatterTrace.Mode.LINE).fill(ScatterTrace.Fill.TO_NEXT_Y)
                    .showLegend(false).opacity(0.2).name(label + " + sd").build());
            traces.add(ScatterTrace.builder(xs, mean).mode(ScatterTrace.Mode.LINE_AND_MARKERS).name(label).build());
        }
        Layout layout = Layout.builder(title).xAxis(Axis.builder().title(x).build())
                .yAxis(Axis.builder().title(metric).build()).build();
        return new Figure(layout, traces.toArray(new Trace[0]));
    }

    private static Column<?> column(String name, List<Object> values) {
        if (values.stream().allMatch(v -> v instanceof Integer || v instanceof Long)) {
            return LongColumn.create(name, values.stream().mapToLong(v -> ((Number) v).longValue()).toArray());
        }
        if (values.stream().allMatch(v -> v instanceof Number)) {
            return DoubleColumn.create(name, values.stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray());
        }
        if (values.stream().allMatch(v -> v instanceof Boolean)) {
            BooleanColumn column = BooleanColumn.create(name);
            values.forEach(v -> column.append((Boolean) v));
            return column;
        }
        return StringColumn.create(name, values.stream().map(String::valueOf).toList());
    }

    static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    static double sampleStd(double[] values) {
        if (values.length < 2) {
            return 0;
        }
        double mean = mean(values);
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        return Math.sqrt(squares / (values.length - 1));
    }
}
