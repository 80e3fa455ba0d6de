package org.softprompt.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

class TableViewTest {
    private static Table sample() {
        return Table.create("scores <b>&</b>",
                StringColumn.create("method", "prefix <script>alert('x')</script>", "BitFit & \"null\" prompts", ""),
                IntColumn.create("steps", 100, 2000, 30),
                DoubleColumn.create("accuracy", 0.1 + 0.2, 0.912345678, Double.NaN));
    }

    @Test
    void htmlEscapesEveryTextCellTheCaptionAndTheHeaders() {
        Table table = sample();
        table.column(0).setName("method <i>");
        String html = new TableView(table, 40).html();
        assertFalse(html.contains("<script>"), html);
        assertFalse(html.contains("<b>&</b>"), html);
        assertFalse(html.contains("<i>"), html);
        assertTrue(html.contains("prefix &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), html);
        assertTrue(html.contains("BitFit &amp; &quot;null&quot; prompts"), html);
        assertTrue(html.contains("scores &lt;b&gt;&amp;&lt;/b&gt;"), html);
        assertTrue(html.contains("method &lt;i&gt;"), html);
    }

    @Test
    void numbersAreRoundedRightAlignedAndMissingValuesAreEmpty() {
        String html = new TableView(sample(), 40).html();
        assertTrue(html.contains("<td style=\"text-align:right\">0.3</td>"), html);
        assertTrue(html.contains("<td style=\"text-align:right\">0.91235</td>"), html);
        assertTrue(html.contains("<td style=\"text-align:right\">2000</td>"), html);
        assertTrue(html.contains("<td style=\"text-align:right\"></td>"), html);
        assertTrue(html.contains("3 rows \u00d7 3 columns"), html);
    }

    @Test
    void plainTextIsAligned() {
        String text = new TableView(Table.create("t", IntColumn.create("step", 1, 100),
                DoubleColumn.create("loss", 2.5, 0.125)), 40).text();
        assertEquals("t (2 rows \u00d7 2 columns)\n"
                + "step   loss\n"
                + "   1    2.5\n"
                + " 100  0.125", text);
    }

    @Test
    void longTablesShowTheirFirstAndLastRows() {
        IntColumn ids = IntColumn.create("id");
        for (int i = 0; i < 1000; i++) {
            ids.append(i);
        }
        TableView view = new TableView(Table.create("long", ids), 8);
        String html = view.html();
        assertTrue(html.contains(">5</td>"), html);
        assertFalse(html.contains(">6</td>"), html);
        assertTrue(html.contains("992 more rows"), html);
        assertTrue(html.contains(">998</td>") && html.contains(">999</td>"), html);
        assertFalse(html.contains(">997</td>"), html);
        String text = view.text();
        assertTrue(text.contains("... 992 more rows ..."), text);
        assertEquals(1 + 1 + 8 + 1, text.split("\n").length, text);
    }
}
