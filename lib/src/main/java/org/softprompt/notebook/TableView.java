package org.softprompt.notebook;

import com.google.common.escape.Escaper;
import com.google.common.html.HtmlEscapers;
import java.util.ArrayList;
import java.util.List;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.FloatColumn;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * A Tablesaw table as a notebook output: an HTML table (numbers right-aligned with {@link Numbers#DISPLAY_DIGITS}
 * significant digits, text escaped, long tables cut in the middle) and the same cells as aligned plain text.
 */
final class TableView {
    static final int DEFAULT_MAX_ROWS = 40;
    /** Plain-text cells longer than this are cut, so that one long string does not push every column off screen. */
    private static final int MAX_TEXT_CELL = 48;
    private static final Escaper ESCAPER = HtmlEscapers.htmlEscaper();

    private final Table table;
    private final List<Integer> shownRows;
    private final int hiddenAfter;

    TableView(Table table, int maxRows) {
        if (maxRows < 2) {
            throw new IllegalArgumentException("maxRows must be at least 2, was " + maxRows);
        }
        this.table = table;
        int rows = table.rowCount();
        this.shownRows = new ArrayList<>();
        if (rows <= maxRows) {
            for (int r = 0; r < rows; r++) {
                shownRows.add(r);
            }
            this.hiddenAfter = -1;
        } else {
            int head = maxRows - maxRows / 4;
            int tail = maxRows - head;
            for (int r = 0; r < head; r++) {
                shownRows.add(r);
            }
            for (int r = rows - tail; r < rows; r++) {
                shownRows.add(r);
            }
            this.hiddenAfter = head - 1;
        }
    }

    MimeBundle bundle() {
        return MimeBundle.text(text()).with(MimeBundle.HTML, html());
    }

    String html() {
        StringBuilder html = new StringBuilder(256 + 64 * shownRows.size() * Math.max(1, table.columnCount()));
        html.append("<div class=\"softprompt-table\">\n");
        // A heading line rather than a <caption>, which would wrap at the width of a narrow table.
        html.append("<div style=\"margin:0 0 4px 0\">");
        String name = table.name();
        if (name != null && !name.isBlank()) {
            html.append("<b>").append(ESCAPER.escape(name)).append("</b> ");
        }
        html.append("<span style=\"color:#666\">").append(shape()).append("</span></div>\n");
        html.append("<div style=\"overflow-x:auto\">\n");
        html.append("<table style=\"border-collapse:collapse;font-variant-numeric:tabular-nums;margin:0\">\n");
        html.append("<thead><tr>");
        for (Column<?> column : table.columns()) {
            html.append("<th title=\"").append(ESCAPER.escape(column.type().name())).append("\" style=\"text-align:")
                    .append(alignment(column)).append("\">").append(ESCAPER.escape(column.name())).append("</th>");
        }
        html.append("</tr></thead>\n<tbody>\n");
        for (int i = 0; i < shownRows.size(); i++) {
            int row = shownRows.get(i);
            html.append("<tr>");
            for (Column<?> column : table.columns()) {
                html.append("<td style=\"text-align:").append(alignment(column)).append("\">")
                        .append(ESCAPER.escape(cell(column, row))).append("</td>");
            }
            html.append("</tr>\n");
            if (row == hiddenAfter) {
                html.append("<tr><td colspan=\"").append(Math.max(1, table.columnCount()))
                        .append("\" style=\"text-align:center;color:#888\">&#8942; ")
                        .append(String.format("%,d", hiddenRows())).append(" more rows &#8942;</td></tr>\n");
            }
        }
        html.append("</tbody>\n</table>\n</div>\n</div>");
        return html.toString();
    }

    String text() {
        int columns = table.columnCount();
        List<String[]> lines = new ArrayList<>();
        String[] header = new String[columns];
        for (int c = 0; c < columns; c++) {
            header[c] = table.column(c).name();
        }
        lines.add(header);
        for (int row : shownRows) {
            String[] cells = new String[columns];
            for (int c = 0; c < columns; c++) {
                cells[c] = shorten(cell(table.column(c), row));
            }
            lines.add(cells);
        }
        int[] widths = new int[columns];
        for (String[] line : lines) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], line[c].length());
            }
        }
        StringBuilder text = new StringBuilder();
        String name = table.name();
        text.append(name == null || name.isBlank() ? "" : name + " ").append('(').append(shape()).append(")\n");
        for (int i = 0; i < lines.size(); i++) {
            String[] line = lines.get(i);
            StringBuilder row = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                if (c > 0) {
                    row.append("  ");
                }
                boolean right = table.column(c) instanceof NumericColumn<?>;
                row.append(pad(line[c], widths[c], right));
            }
            text.append(row.toString().stripTrailing()).append('\n');
            if (i > 0 && shownRows.get(i - 1) == hiddenAfter) {
                text.append("... ").append(String.format("%,d", hiddenRows())).append(" more rows ...\n");
            }
        }
        return text.toString().stripTrailing();
    }

    /** One cell as shown: empty when missing, doubles and floats with {@link Numbers#DISPLAY_DIGITS} digits. */
    static String cell(Column<?> column, int row) {
        if (column.isMissing(row)) {
            return "";
        }
        if (column instanceof DoubleColumn doubles) {
            return Numbers.display(doubles.getDouble(row));
        }
        if (column instanceof FloatColumn floats) {
            return Numbers.display(Double.parseDouble(Float.toString(floats.getFloat(row))));
        }
        return column.getString(row);
    }

    private int hiddenRows() {
        return table.rowCount() - shownRows.size();
    }

    private String shape() {
        return String.format("%,d %s \u00d7 %d %s", table.rowCount(), table.rowCount() == 1 ? "row" : "rows",
                table.columnCount(), table.columnCount() == 1 ? "column" : "columns");
    }

    private static String alignment(Column<?> column) {
        return column instanceof NumericColumn<?> ? "right" : "left";
    }

    private static String shorten(String cell) {
        String oneLine = cell.replace('\n', ' ').replace('\r', ' ');
        return oneLine.length() <= MAX_TEXT_CELL ? oneLine : oneLine.substring(0, MAX_TEXT_CELL - 1) + "\u2026";
    }

    private static String pad(String cell, int width, boolean right) {
        String padding = " ".repeat(width - cell.length());
        return right ? padding + cell : cell + padding;
    }
}
