package org.softprompt.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

class TrainingMonitorTest {
    private static final long MS = 1_000_000L;

    /** A clock the test moves by hand, so that throttling is checked without waiting. */
    private final AtomicLong now = new AtomicLong(1_000 * MS);

    private TrainingMonitor monitor(Frontend frontend, int total, PrintStream log) {
        return new TrainingMonitor(new NotebookOutput(frontend), "Tiny <MLP>", total, now::get, 500, () -> log);
    }

    @Test
    void liveOutputIsUpdatedInPlaceAtMostOncePerRefreshInterval() {
        RecordingFrontend frontend = new RecordingFrontend(true);
        try (TrainingMonitor monitor = monitor(frontend, 100, System.out)) {
            assertEquals(1, frontend.of("display").size(), "shown at start");
            String id = frontend.outputs.get(0).displayId();
            assertTrue(id != null && !id.isBlank());
            for (int step = 1; step <= 40; step++) {
                now.addAndGet(50 * MS); // 20 steps per second, refresh every 500 ms: every 10th step
                monitor.step(1.0 / step);
            }
            assertEquals(4, frontend.of("update").size());
            assertTrue(frontend.of("update").stream().allMatch(o -> o.displayId().equals(id)));
            String text = frontend.outputs.get(frontend.outputs.size() - 1).bundle().text();
            assertTrue(text.startsWith("Tiny <MLP>: step 40/100 (40%) \u00b7 loss 0.025"), text);
            assertTrue(text.contains("20 steps/s") && text.contains("ETA 0:03"), text);
        }
        List<RecordingFrontend.Output> updates = frontend.of("update");
        MimeBundle last = updates.get(updates.size() - 1).bundle();
        assertEquals(5, updates.size(), "one final update on close");
        assertTrue(last.text().contains("stopped at step 40/100"), last.text());
        String html = (String) last.get(MimeBundle.HTML);
        assertTrue(html.contains("Tiny &lt;MLP&gt;"), "title escaped");
        assertTrue(html.contains("<svg") && html.contains("<polyline"), html);
        assertTrue(html.contains("width:40.0%"), "progress bar");
        assertEquals(1, frontend.of("display").size(), "never a second output");
    }

    @Test
    void finishingTheLastStepRefreshesAtOnceAndClosingTwiceIsHarmless() {
        RecordingFrontend frontend = new RecordingFrontend(true);
        TrainingMonitor monitor = monitor(frontend, 3, System.out);
        monitor.step(3);
        monitor.step(2);
        monitor.step(1);
        assertEquals(1, frontend.of("update").size(), "the last step is shown without waiting");
        monitor.close();
        monitor.close();
        assertEquals(2, frontend.of("update").size());
        assertTrue(frontend.of("update").get(1).bundle().text().contains("done: 3 steps"));
        assertThrows(IllegalStateException.class, () -> monitor.step(0.5));
    }

    @Test
    void outsideANotebookALineIsLoggedAtTheFirstStepAndEveryTenth() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (TrainingMonitor monitor = monitor(new ConsoleFrontend(() -> log), 50, log)) {
            for (int step = 1; step <= 50; step++) {
                now.addAndGet(10 * MS);
                monitor.step(2.0);
            }
        }
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(1 + 10 + 1, lines.length, String.join("\n", lines));
        assertTrue(lines[0].startsWith("[Tiny <MLP>] step 1/50 (2%) \u00b7 loss 2 \u00b7 smoothed 2"), lines[0]);
        assertTrue(lines[1].startsWith("[Tiny <MLP>] step 5/50 (10%)"), lines[1]);
        assertTrue(lines[10].startsWith("[Tiny <MLP>] step 50/50 (100%)"), lines[10]);
        assertTrue(lines[11].startsWith("[Tiny <MLP>] done: 50 steps in 0:01"), lines[11]);
    }

    @Test
    void notebookWithoutUpdatesGetsLogLinesAndTheFinalChart() {
        RecordingFrontend frontend = new RecordingFrontend(false);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (TrainingMonitor monitor = monitor(frontend, 20, log)) {
            for (int step = 1; step <= 20; step++) {
                monitor.step(1.0);
            }
            assertTrue(frontend.outputs.isEmpty());
        }
        assertEquals(1, frontend.outputs.size());
        assertTrue(((String) frontend.outputs.get(0).bundle().get(MimeBundle.HTML)).contains("<svg"));
        assertTrue(bytes.toString(StandardCharsets.UTF_8).contains("step 2/20 (10%)"));
    }

    @Test
    void historyHoldsEveryLossAndRecordedValueAndSmoothingIsBiasCorrected() {
        try (TrainingMonitor monitor = monitor(new RecordingFrontend(true), 10, System.out)) {
            monitor.record("validation loss", 5.0);
            monitor.step(4.0);
            assertEquals(4.0, monitor.smoothedLoss(), 1e-12, "bias correction: the first value is the average");
            monitor.step(2.0);
            // window max(5, 10/50) = 5 steps, beta 0.8: (0.8*0.2*4 + 0.2*2) / (1 - 0.8^2)
            assertEquals((0.8 * 0.2 * 4 + 0.2 * 2) / (1 - 0.64), monitor.smoothedLoss(), 1e-12);
            monitor.record("validation loss", 3.0);
            assertThrows(IllegalArgumentException.class, () -> monitor.record("loss", 1.0));

            Table history = monitor.history();
            assertEquals(List.of("step", "series", "value"), history.columnNames());
            assertEquals(4, history.rowCount());
            assertEquals("[1, 2, 0, 2]", history.intColumn("step").asList().toString());
            assertEquals("[loss, loss, validation loss, validation loss]", history.stringColumn("series").asList().toString());
            assertEquals("[4.0, 2.0, 5.0, 3.0]", history.doubleColumn("value").asList().toString());
            assertEquals(2, monitor.steps());
            assertEquals(2.0, monitor.lastLoss());
            assertEquals(3, monitor.figure().getTraces().length, "raw, smoothed, validation");
        }
    }

    @Test
    void nonFiniteLossesAreKeptButNotDrawn() {
        RecordingFrontend frontend = new RecordingFrontend(true);
        try (TrainingMonitor monitor = monitor(frontend, 4, System.out)) {
            monitor.step(1.0);
            monitor.step(Double.NaN);
            monitor.step(0.5);
            assertTrue(Double.isNaN(monitor.history().doubleColumn("value").getDouble(1)));
            assertTrue(Double.isFinite(monitor.smoothedLoss()));
        }
        String html = (String) frontend.outputs.get(frontend.outputs.size() - 1).bundle().get(MimeBundle.HTML);
        assertFalse(html.contains("NaN,") || html.contains(",NaN"), "no NaN coordinates in the SVG");
    }

    @Test
    void invalidTotalIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> monitor(new RecordingFrontend(true), 0, System.out));
    }
}
