package org.softprompt.notebook;

import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.components.Line;
import tech.tablesaw.plotly.traces.ScatterTrace;
import tech.tablesaw.plotly.traces.Trace;

/**
 * Progress and loss curve of a training loop, live in a notebook and as log lines elsewhere.
 *
 * <pre>{@code
 * try (TrainingMonitor monitor = TrainingMonitor.start("Prefix-tuning GPT-2 on E2E", steps)) {
 *     for (int step = 1; step <= steps; step++) {
 *         float loss = ...;                       // one optimizer step
 *         monitor.step(loss);
 *         if (step % 100 == 0) {
 *             monitor.record("validation loss", validationLoss());
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>In a kernel that can replace an output in place (display ids; IJava, JJava and rapaio can), one output shows a
 * progress bar, the latest numbers and the loss curve (raw and smoothed, plus recorded series) as inline SVG; it is
 * refreshed at most once per {@link #DEFAULT_REFRESH_MILLIS} milliseconds so that fast loops are not slowed down and the notebook is not
 * flooded, and once more on {@link #close()}. In a notebook without in-place updates, and in plain Java, a line is
 * printed at the first step, at every tenth of the run and at least every {@link #LOG_EVERY_SECONDS} seconds; the
 * notebook then gets the final chart on close.
 */
public final class TrainingMonitor implements AutoCloseable {
    /** Minimum time between two refreshes of the live output. */
    public static final long DEFAULT_REFRESH_MILLIS = 750;
    static final long LOG_EVERY_SECONDS = 30;
    static final String LOSS = "loss";
    private static final String[] COLORS = {"#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"};
    private static final Escaper ESCAPER = HtmlEscapers.htmlEscaper();

    private enum Mode { LIVE, FINAL_CHART, LOG }

    private final NotebookOutput output;
    private final String title;
    private final int totalSteps;
    private final LongSupplier nanoClock;
    private final long refreshNanos;
    private final Supplier<PrintStream> log;
    private final Mode mode;
    private final double smoothingBeta;
    private final long startNanos;

    private double[] losses = new double[64];
    private int steps;
    private double smoothedSum;
    private double smoothingWeight;
    private final Map<String, List<double[]>> recorded = new LinkedHashMap<>();
    private String displayId;
    private long lastRefreshNanos;
    private long lastLogNanos;
    private int lastLoggedTenth = -1;
    private boolean closed;

    TrainingMonitor(NotebookOutput output, String title, int totalSteps, LongSupplier nanoClock, long refreshMillis,
            Supplier<PrintStream> log) {
        if (totalSteps <= 0) {
            throw new IllegalArgumentException("totalSteps must be positive, was " + totalSteps);
        }
        this.output = Objects.requireNonNull(output, "output");
        this.title = Objects.requireNonNull(title, "title");
        this.totalSteps = totalSteps;
        this.nanoClock = nanoClock;
        this.refreshNanos = TimeUnit.MILLISECONDS.toNanos(refreshMillis);
        this.log = log;
        Frontend frontend = output.frontend();
        this.mode = !frontend.rendersRichOutput() ? Mode.LOG : frontend.supportsUpdates() ? Mode.LIVE : Mode.FINAL_CHART;
        // Smooth over about a fiftieth of the run (5 to 200 steps): short runs still show a trend, long ones stay calm.
        double window = Math.max(5, Math.min(200, totalSteps / 50.0));
        this.smoothingBeta = 1 - 1 / window;
        this.startNanos = nanoClock.getAsLong();
        if (mode == Mode.LIVE) {
            displayId = output.showUpdatable(bundle());
            lastRefreshNanos = startNanos;
        }
        lastLogNanos = startNanos;
    }

    /**
     * Starts monitoring a run of {@code totalSteps} optimizer steps and shows its (empty) progress output.
     *
     * @param title what is being trained, shown above the curve and in log lines
     */
    public static TrainingMonitor start(String title, int totalSteps) {
        return new TrainingMonitor(NotebookOutput.session(), title, totalSteps, System::nanoTime,
                DEFAULT_REFRESH_MILLIS, () -> System.out);
    }

    /** Records the training loss of the next step (steps count from 1) and refreshes the output when due. */
    public synchronized void step(double loss) {
        checkOpen();
        if (steps == losses.length) {
            losses = Arrays.copyOf(losses, steps * 2);
        }
        losses[steps++] = loss;
        if (Double.isFinite(loss)) {
            smoothedSum = smoothingBeta * smoothedSum + (1 - smoothingBeta) * loss;
            smoothingWeight = smoothingBeta * smoothingWeight + (1 - smoothingBeta);
        }
        refreshIfDue();
    }

    /**
     * Records another value at the current step, e.g. {@code record("validation loss", 1.73)}; each name becomes its
     * own line on the chart. Values recorded before the first step are placed at step 0.
     */
    public synchronized void record(String series, double value) {
        checkOpen();
        Objects.requireNonNull(series, "series");
        if (series.equals(LOSS)) {
            throw new IllegalArgumentException("'" + LOSS + "' is the training loss given to step(); "
                    + "record other values under another name, e.g. \"validation loss\"");
        }
        recorded.computeIfAbsent(series, name -> new ArrayList<>()).add(new double[] {steps, value});
        refreshIfDue();
    }

    /** The number of steps recorded so far. */
    public synchronized int steps() {
        return steps;
    }

    /** The last training loss, or NaN before the first step. */
    public synchronized double lastLoss() {
        return steps == 0 ? Double.NaN : losses[steps - 1];
    }

    /**
     * The exponentially smoothed training loss (bias-corrected, like TensorBoard's smoothing), or NaN before the
     * first finite loss.
     */
    public synchronized double smoothedLoss() {
        return smoothingWeight == 0 ? Double.NaN : smoothedSum / smoothingWeight;
    }

    /** Everything recorded, in long form: columns {@code step}, {@code series} ("loss" or a recorded name), {@code value}. */
    public synchronized Table history() {
        IntColumn step = IntColumn.create("step");
        StringColumn series = StringColumn.create("series");
        DoubleColumn value = DoubleColumn.create("value");
        for (int i = 0; i < steps; i++) {
            step.append(i + 1);
            series.append(LOSS);
            value.append(losses[i]);
        }
        for (Map.Entry<String, List<double[]>> entry : recorded.entrySet()) {
            for (double[] point : entry.getValue()) {
                step.append((int) point[0]);
                series.append(entry.getKey());
                value.append(point[1]);
            }
        }
        return Table.create(title + " history", step, series, value);
    }

    /** The curves as an interactive Plotly figure, for {@link Show#figure}. */
    public synchronized Figure figure() {
        List<Trace> traces = new ArrayList<>();
        for (LossCurveSvg.Series s : series()) {
            double[][] points = LossCurveSvg.downsample(s.x(), s.y());
            ScatterTrace.ScatterBuilder builder = ScatterTrace.builder(points[0], points[1])
                    .name(s.name())
                    .mode(s.markers() ? ScatterTrace.Mode.LINE_AND_MARKERS : ScatterTrace.Mode.LINE)
                    .line(Line.builder().color(s.color()).width(s.width()).build());
            traces.add(builder.opacity(s.opacity()).build());
        }
        Layout layout = Layout.builder(title)
                .xAxis(Axis.builder().title("step").build())
                .yAxis(Axis.builder().title("loss").build())
                .height(420).width(760)
                .build();
        return new Figure(layout, traces.toArray(new Trace[0]));
    }

    /** Shows the final state: the finished chart in a notebook, a summary line in plain Java. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        switch (mode) {
            case LIVE -> output.update(displayId, bundle());
            case FINAL_CHART -> {
                printLine(statusLine());
                output.show(bundle());
            }
            case LOG -> printLine(statusLine());
        }
    }

    private void refreshIfDue() {
        long now = nanoClock.getAsLong();
        if (mode == Mode.LIVE) {
            if (now - lastRefreshNanos >= refreshNanos || steps == totalSteps) {
                output.update(displayId, bundle());
                lastRefreshNanos = now;
            }
            return;
        }
        int tenth = (int) Math.min(10, (long) steps * 10 / totalSteps);
        boolean firstStep = steps == 1 && lastLoggedTenth < 0;
        boolean newTenth = tenth > lastLoggedTenth && steps > 0;
        boolean quiet = now - lastLogNanos >= TimeUnit.SECONDS.toNanos(LOG_EVERY_SECONDS);
        if (firstStep || newTenth || quiet) {
            printLine(statusLine());
            lastLoggedTenth = Math.max(lastLoggedTenth, tenth);
            lastLogNanos = now;
        }
    }

    private void printLine(String line) {
        PrintStream stream = log.get();
        stream.println("[" + title + "] " + line);
        stream.flush();
    }

    private MimeBundle bundle() {
        return MimeBundle.text(title + ": " + statusLine()).with(MimeBundle.HTML, html());
    }

    private String html() {
        double fraction = Math.min(1.0, steps / (double) totalSteps);
        String barColor = closed && steps >= totalSteps ? "#2ca02c" : "#1f77b4";
        return "<div class=\"softprompt-training\" style=\"font-family:sans-serif;font-size:13px;max-width:"
                + LossCurveSvg.WIDTH + "px\">\n"
                + "<div style=\"font-weight:600;margin-bottom:4px\">" + ESCAPER.escape(title) + "</div>\n"
                + "<div style=\"height:8px;background:#e5e5e5;border-radius:4px;overflow:hidden\">"
                + "<div style=\"width:" + String.format(Locale.ROOT, "%.1f", 100 * fraction)
                + "%;height:100%;background:" + barColor + "\"></div></div>\n"
                + "<div style=\"font-variant-numeric:tabular-nums;margin:4px 0\">" + ESCAPER.escape(statusLine())
                + "</div>\n"
                + LossCurveSvg.render(series(), totalSteps, LOSS) + "\n</div>";
    }

    /** E.g. "step 120/500 (24%) · loss 0.4321 · smoothed 0.4502 · 12.1 steps/s · ETA 0:33". */
    String statusLine() {
        double seconds = (nanoClock.getAsLong() - startNanos) / 1e9;
        StringBuilder line = new StringBuilder();
        if (closed) {
            line.append(steps >= totalSteps ? "done: " + steps + " steps" : "stopped at step " + steps + "/" + totalSteps)
                    .append(" in ").append(duration(seconds));
        } else {
            line.append("step ").append(steps).append('/').append(totalSteps).append(" (")
                    .append(steps * 100L / totalSteps).append("%)");
        }
        if (steps > 0) {
            line.append(" \u00b7 loss ").append(Numbers.format(lastLoss(), 4));
            line.append(" \u00b7 smoothed ").append(Numbers.format(smoothedLoss(), 4));
        }
        for (Map.Entry<String, List<double[]>> entry : recorded.entrySet()) {
            List<double[]> points = entry.getValue();
            line.append(" \u00b7 ").append(entry.getKey()).append(' ')
                    .append(Numbers.format(points.get(points.size() - 1)[1], 4));
        }
        if (steps > 0 && seconds > 0) {
            double rate = steps / seconds;
            line.append(" \u00b7 ").append(rate >= 10 ? String.format(Locale.ROOT, "%.0f", rate)
                    : Numbers.format(rate, 2)).append(" steps/s");
            if (!closed && steps < totalSteps) {
                line.append(" \u00b7 ETA ").append(duration((totalSteps - steps) / rate));
            }
        }
        return line.toString();
    }

    private List<LossCurveSvg.Series> series() {
        List<LossCurveSvg.Series> series = new ArrayList<>();
        double[] x = new double[steps];
        double[] raw = Arrays.copyOf(losses, steps);
        double[] smooth = new double[steps];
        double sum = 0;
        double weight = 0;
        for (int i = 0; i < steps; i++) {
            x[i] = i + 1;
            if (Double.isFinite(raw[i])) {
                sum = smoothingBeta * sum + (1 - smoothingBeta) * raw[i];
                weight = smoothingBeta * weight + (1 - smoothingBeta);
            }
            smooth[i] = weight == 0 ? Double.NaN : sum / weight;
        }
        series.add(new LossCurveSvg.Series(LOSS, "#1f77b4", 1, 0.35, false, x, raw));
        series.add(new LossCurveSvg.Series(LOSS + " (smoothed)", "#1f77b4", 2.2, 1, false, x, smooth));
        int color = 0;
        for (Map.Entry<String, List<double[]>> entry : recorded.entrySet()) {
            List<double[]> points = entry.getValue();
            double[] px = new double[points.size()];
            double[] py = new double[points.size()];
            for (int i = 0; i < points.size(); i++) {
                px[i] = points.get(i)[0];
                py[i] = points.get(i)[1];
            }
            series.add(new LossCurveSvg.Series(entry.getKey(), COLORS[color++ % COLORS.length], 1.8, 1, true, px, py));
        }
        return series;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("TrainingMonitor '" + title + "' is closed");
        }
    }

    static String duration(double seconds) {
        long total = Math.round(seconds);
        long hours = total / 3600;
        long minutes = (total % 3600) / 60;
        long secs = total % 60;
        return hours > 0 ? String.format("%d:%02d:%02d", hours, minutes, secs) : String.format("%d:%02d", minutes, secs);
    }
}
