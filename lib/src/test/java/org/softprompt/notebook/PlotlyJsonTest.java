package org.softprompt.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.api.LinePlot;
import tech.tablesaw.plotly.api.PiePlot;
import tech.tablesaw.plotly.api.VerticalBarPlot;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.components.Marker;
import tech.tablesaw.plotly.traces.ScatterTrace;

class PlotlyJsonTest {
    /** Strict: no JavaScript extensions. */
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Table table() {
        return Table.create("t", IntColumn.create("step", 1, 2, 3),
                DoubleColumn.create("loss", 0.5, Double.NaN, 0.125),
                StringColumn.create("label", "it's", "<b>bold</b>", "say \"hi\""));
    }

    private static JsonNode strictRoundTrip(Figure figure) throws Exception {
        String json = JSON.writeValueAsString(PlotlyJson.asMap(PlotlyJson.of(figure)));
        return JSON.readTree(json);
    }

    @Test
    void linePlotBecomesStandardJsonWithNumbersTitlesAndGaps() throws Exception {
        JsonNode spec = strictRoundTrip(LinePlot.create("Training loss", table(), "step", "loss"));
        assertEquals("Training loss", spec.at("/layout/title").asText());
        assertEquals("step", spec.at("/layout/xaxis/title").asText());
        assertEquals("loss", spec.at("/layout/yaxis/title").asText());
        JsonNode trace = spec.at("/data/0");
        assertEquals(1, spec.get("data").size());
        assertEquals("scatter", trace.get("type").asText());
        assertEquals("lines", trace.get("mode").asText());
        assertEquals("[1,2,3]", trace.get("x").toString());
        // tablesaw writes ["0.5","null","0.125"]; the missing value is Plotly's gap, null.
        assertEquals("[0.5,null,0.125]", trace.get("y").toString());
    }

    @Test
    void categoriesStayStringsAndNanBecomesNull() throws Exception {
        JsonNode spec = strictRoundTrip(VerticalBarPlot.create("Bars", table(), "label", "loss"));
        JsonNode trace = spec.at("/data/0");
        assertEquals("bar", trace.get("type").asText());
        assertEquals(List.of("it's", "<b>bold</b>", "say \"hi\""),
                List.of(trace.get("x").get(0).asText(), trace.get("x").get(1).asText(), trace.get("x").get(2).asText()));
        assertTrue(trace.get("y").get(1).isNull(), trace.toString());

        JsonNode pie = strictRoundTrip(PiePlot.create("Pie", table(), "label", "loss")).at("/data/0");
        assertEquals("pie", pie.get("type").asText());
        assertEquals(3, pie.get("labels").size());
        assertTrue(pie.get("values").get(1).isNull());
    }

    @Test
    void customLayoutAndTraceOptionsSurvive() throws Exception {
        Layout layout = Layout.builder().title("Custom 'quoted' & <tagged>")
                .xAxis(Axis.builder().title("epoch").build())
                .yAxis(Axis.builder().title("perplexity").type(Axis.Type.LOG).build())
                .height(300).build();
        ScatterTrace train = ScatterTrace.builder(new double[] {1, 2, 3}, new double[] {30, 10, 20})
                .mode(ScatterTrace.Mode.LINE_AND_MARKERS).name("train")
                .marker(Marker.builder().color("red").size(4).build()).build();
        ScatterTrace valid = ScatterTrace.builder(new double[] {1, 3}, new double[] {40, 25}).name("validation").build();
        JsonNode spec = strictRoundTrip(new Figure(layout, train, valid));
        assertEquals(2, spec.get("data").size());
        assertEquals("train", spec.at("/data/0/name").asText());
        assertEquals("validation", spec.at("/data/1/name").asText());
        assertEquals("lines+markers", spec.at("/data/0/mode").asText());
        assertEquals("red", spec.at("/data/0/marker/color").asText());
        assertEquals(4.0, spec.at("/data/0/marker/size").asDouble());
        assertEquals("[1.0,2.0,3.0]", spec.at("/data/0/x").toString());
        assertEquals("log", spec.at("/layout/yaxis/type").asText());
        assertEquals(300, spec.at("/layout/height").asInt());
        // tablesaw HTML-escapes titles; Plotly decodes these entities when it draws the title.
        assertEquals("Custom &#39;quoted&#39; &amp; &lt;tagged&gt;", spec.at("/layout/title").asText());
    }

    @Test
    void bundleValueIsPlainMapsAndLists() {
        Map<String, Object> map = PlotlyJson.asMap(PlotlyJson.of(LinePlot.create("L", table(), "step", "loss")));
        assertTrue(map.get("data") instanceof List<?>, map.toString());
        assertTrue(map.get("layout") instanceof Map<?, ?>, map.toString());
    }

    @Test
    void scriptSafeJsonHasNoMarkupCharactersButTheSameValue() throws Exception {
        Figure figure = VerticalBarPlot.create("</script><script>alert(1)</script>", table(), "label", "loss");
        com.fasterxml.jackson.databind.node.ObjectNode spec = PlotlyJson.of(figure);
        String safe = PlotlyJson.toScriptSafeJson(spec);
        assertFalse(safe.contains("<"), safe);
        assertFalse(safe.contains(">"), safe);
        assertFalse(safe.contains("&"), safe);
        assertEquals(JSON.readTree(JSON.writeValueAsString(spec)), JSON.readTree(safe));
    }
}
