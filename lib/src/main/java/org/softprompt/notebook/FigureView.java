package org.softprompt.notebook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import tech.tablesaw.plotly.components.Figure;

/**
 * A Plotly figure as one notebook output with three representations:
 *
 * <ul>
 *   <li>{@code application/vnd.plotly.v1+json}: the figure as data, drawn by front ends with a Plotly renderer
 *       (JupyterLab's, VS Code's) even in untrusted notebooks;</li>
 *   <li>{@code text/html}: a {@code <div>} and a script that calls {@code Plotly.newPlot}, for the classic Notebook
 *       and nbconvert's HTML export;</li>
 *   <li>{@code text/plain}: a one-line description.</li>
 * </ul>
 *
 * <p>The HTML does not assume that plotly.js is already loaded: the script retries until {@code window.Plotly}
 * exists. So a chart still draws when the output that carried the library comes later in the page or is re-run,
 * and when that output was cleared it says how to bring the library back instead of failing silently.
 */
final class FigureView {
    /** After this many milliseconds without plotly.js the chart shows a hint (and keeps waiting). */
    static final int HINT_AFTER_MILLIS = 4000;

    private FigureView() {}

    /**
     * The bundle for {@code figure}; {@code library} is the plotly.js script element to put in front of the chart, or
     * the empty string when this kernel session has already delivered it.
     */
    static MimeBundle bundle(Figure figure, String library) {
        ObjectNode spec = PlotlyJson.of(figure);
        return MimeBundle.text(describe(figure, spec))
                .with(MimeBundle.HTML, library + html(spec))
                .with(MimeBundle.PLOTLY, PlotlyJson.asMap(spec));
    }

    /** The chart's {@code <div>} and drawing script, without the library. */
    static String html(ObjectNode spec) {
        String id = "softprompt-plot-" + UUID.randomUUID();
        JsonNode layout = spec.path("layout");
        // A fixed layout height keeps the page from jumping when the chart draws; otherwise Plotly's default.
        int height = layout.path("height").isNumber() ? layout.path("height").asInt() : 450;
        return "<div id=\"" + id + "\" class=\"softprompt-plot\" style=\"min-height:" + height + "px\"></div>\n"
                + "<script type=\"text/javascript\">\n"
                + "(function () {\n"
                + "  var spec = " + PlotlyJson.toScriptSafeJson(spec) + ";\n"
                + "  var started = Date.now();\n"
                + "  function draw() {\n"
                + "    var target = document.getElementById('" + id + "');\n"
                + "    if (target && window.Plotly) {\n"
                + "      target.textContent = '';\n"
                + "      window.Plotly.newPlot(target, spec.data, spec.layout, spec.config || {});\n"
                + "      return;\n"
                + "    }\n"
                + "    if (!target && Date.now() - started > 10000) { return; } // the output was cleared\n"
                + "    if (target && Date.now() - started > " + HINT_AFTER_MILLIS + " && !target.textContent) {\n"
                + "      target.textContent = 'Waiting for plotly.js. The first chart of a kernel session carries it;'\n"
                + "        + ' if that output was cleared, run org.softprompt.notebook.Show.plotlyLibrary() and this'\n"
                + "        + ' chart draws.';\n"
                + "    }\n"
                + "    setTimeout(draw, Date.now() - started < 10000 ? 100 : 1000);\n"
                + "  }\n"
                + "  draw();\n"
                + "})();\n"
                + "</script>";
    }

    /** For example: {@code Plotly figure "Loss" (2 traces: scatter "train", scatter "validation")}. */
    static String describe(Figure figure, ObjectNode spec) {
        String title = figure.getLayout() == null ? null : figure.getLayout().getTitle();
        List<String> traces = new ArrayList<>();
        for (JsonNode trace : spec.path("data")) {
            String type = trace.path("type").asText("trace");
            String name = trace.path("name").asText("");
            traces.add(name.isEmpty() ? type : type + " \"" + name + "\"");
        }
        StringBuilder text = new StringBuilder("Plotly figure");
        if (title != null && !title.isBlank()) {
            text.append(" \"").append(title).append('"');
        }
        text.append(" (").append(traces.size()).append(traces.size() == 1 ? " trace" : " traces");
        if (!traces.isEmpty()) {
            text.append(": ").append(String.join(", ", traces));
        }
        return text.append(')').toString();
    }
}
