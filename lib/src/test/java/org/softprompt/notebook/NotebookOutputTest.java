package org.softprompt.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.api.LinePlot;
import tech.tablesaw.plotly.components.Figure;

class NotebookOutputTest {
    private static final String LIBRARY_MARK = "/* plotly.js ";

    private static Figure figure(String title) {
        Table table = Table.create("t", IntColumn.create("step", 1, 2, 3), DoubleColumn.create("loss", 3, 2, 1));
        return LinePlot.create(title, table, "step", "loss");
    }

    private static int count(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }

    @Test
    void plotlyIsInlinedOnceWithARequireJsGuardAndLaterFiguresStaySmall() {
        RecordingFrontend frontend = new RecordingFrontend(true);
        NotebookOutput output = new NotebookOutput(frontend);
        output.figure(figure("first"));
        output.figure(figure("second"));
        output.figure(figure("third"));
        assertEquals(3, frontend.outputs.size());

        String first = (String) frontend.outputs.get(0).bundle().get(MimeBundle.HTML);
        assertEquals(1, count(first, LIBRARY_MARK));
        assertTrue(first.length() > 10_000_000, "the whole library: " + first.length());
        assertTrue(first.contains("plotly.js v" + PlotlyLibrary.version()), "the webjar's own banner");
        // The guard: skip when Plotly exists; hide require.js's define and CommonJS while the UMD header runs.
        int guard = first.indexOf("if (window.Plotly) { return; }");
        int hide = first.indexOf("var define = undefined, module = undefined, exports = undefined;");
        int umd = first.indexOf("typeof define === 'function' && define.amd");
        assertTrue(guard > 0 && guard < hide && hide < umd, guard + " " + hide + " " + umd);
        // The library's script ends before the chart's own div.
        assertTrue(first.indexOf("</script>") < first.indexOf("<div id=\"softprompt-plot-"));

        for (int i = 1; i < 3; i++) {
            String html = (String) frontend.outputs.get(i).bundle().get(MimeBundle.HTML);
            assertEquals(0, count(html, LIBRARY_MARK));
            assertTrue(html.length() < 5_000, "small: " + html.length());
            assertTrue(html.contains("window.Plotly.newPlot"), html);
            assertTrue(html.contains("setTimeout(draw"), "waits for the library: " + html);
        }
        assertTrue(output.plotlyDelivered());
    }

    @Test
    void figureBundleHasTextHtmlAndPlotlyJsonWithTheSameDivAndData() {
        RecordingFrontend frontend = new RecordingFrontend(false);
        NotebookOutput output = new NotebookOutput(frontend);
        output.show(MimeBundle.text("warm-up"));
        output.figure(figure("Loss"));
        MimeBundle bundle = frontend.outputs.get(1).bundle();
        assertEquals(java.util.List.of(MimeBundle.TEXT, MimeBundle.HTML, MimeBundle.PLOTLY),
                java.util.List.copyOf(bundle.data().keySet()));
        assertEquals("Plotly figure \"Loss\" (1 trace: scatter)", bundle.text());
        String html = (String) bundle.get(MimeBundle.HTML);
        Matcher div = Pattern.compile("<div id=\"(softprompt-plot-[0-9a-f-]+)\"").matcher(html);
        assertTrue(div.find(), html);
        assertTrue(html.contains("document.getElementById('" + div.group(1) + "')"), html);
    }

    @Test
    void plotlyLibraryCanBeSentAgainAndThenFiguresOmitIt() {
        RecordingFrontend frontend = new RecordingFrontend(true);
        NotebookOutput output = new NotebookOutput(frontend);
        output.plotlyLibrary();
        output.figure(figure("after"));
        assertEquals(1, count((String) frontend.outputs.get(0).bundle().get(MimeBundle.HTML), LIBRARY_MARK));
        assertEquals(0, count((String) frontend.outputs.get(1).bundle().get(MimeBundle.HTML), LIBRARY_MARK));
    }

    @Test
    void outsideANotebookFiguresArePrintedAsOneLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        NotebookOutput output = new NotebookOutput(new ConsoleFrontend(() -> out));
        output.figure(figure("Console"));
        assertEquals("Plotly figure \"Console\" (1 trace: scatter)\n", bytes.toString(StandardCharsets.UTF_8));
        assertFalse(output.plotlyDelivered(), "the library never reached a page");
    }

    @Test
    void htmlFallbackTextDropsScriptsAndTags() {
        assertEquals("Accuracy: 91% & rising",
                Show.textOf("<p><b>Accuracy:</b> 91% &amp; rising</p><script>var a = '<b>';</script>"));
    }
}
