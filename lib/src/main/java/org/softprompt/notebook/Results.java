package org.softprompt.notebook;

import com.univocity.parsers.csv.CsvWriter;
import com.univocity.parsers.csv.CsvWriterSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.regex.Pattern;
import org.softprompt.Scale;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.FloatColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * Result tables of a notebook, saved as CSV files so that runs can be compared (by CI against reference results, by
 * people across machines).
 *
 * <p>Where: the folder named by the system property {@value #PROPERTY} or else the environment variable
 * {@value #ENV} (the headless runner sets one per notebook); without either, {@code target/results/<scale>/} under the
 * working directory (a notebook's own folder in Jupyter).
 *
 * <p>Format: UTF-8, a header row, columns in the table's order, rows in the table's order, {@code \n} line ends,
 * fields quoted only when needed. Double and float columns are rounded to {@value Numbers#CSV_DIGITS} significant
 * digits and written as Java writes a double ({@code 0.912346}, {@code 12345.0}, {@code 1.23457E-7}): binary noise such
 * as {@code 0.30000000000000004} disappears, and a column stays floating point when read back. Missing values are
 * empty fields. Other columns are written as Tablesaw prints them without formatting.
 */
public final class Results {
    public static final String PROPERTY = "softprompt.results";
    public static final String ENV = "SOFTPROMPT_RESULTS_DIR";
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    private Results() {}

    /**
     * Writes {@code table} to {@code <results folder>/<tableName>.csv}, replacing an earlier file atomically, and
     * returns the file's absolute path.
     *
     * @param tableName the file name without ".csv": letters, digits, '.', '_' and '-', starting with a letter or
     *     digit, at most 100 characters, e.g. {@code "sst2-accuracy"}
     */
    public static Path save(String tableName, Table table) {
        Objects.requireNonNull(table, "table");
        checkName(tableName);
        return write(directory().resolve(tableName + ".csv"), table);
    }

    /** The folder results are saved in (created when needed). */
    public static Path directory() {
        String configured = System.getProperty(PROPERTY);
        String source = "system property " + PROPERTY;
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENV);
            source = "environment variable " + ENV;
        }
        Path folder = configured == null || configured.isBlank()
                ? Path.of("target", "results", Scale.current().toString())
                : Path.of(configured);
        folder = folder.toAbsolutePath().normalize();
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            String origin = configured == null || configured.isBlank() ? "the default results folder" : source;
            throw new UncheckedIOException("Cannot create the results folder " + folder + " (" + origin + ")", e);
        }
        return folder;
    }

    static void checkName(String tableName) {
        Objects.requireNonNull(tableName, "tableName");
        if (tableName.toLowerCase().endsWith(".csv")) {
            throw new IllegalArgumentException("Result table name '" + tableName + "' ends with .csv; give the name "
                    + "without it (the file is <name>.csv)");
        }
        if (!SAFE_NAME.matcher(tableName).matches()) {
            throw new IllegalArgumentException("Result table name '" + tableName + "' is not a safe file name: use 1 to "
                    + "100 letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. \"sst2-accuracy\")");
        }
    }

    /** Writes the CSV to a temporary file in the same folder, then moves it over {@code target}. */
    static Path write(Path target, Table table) {
        Path folder = target.toAbsolutePath().getParent();
        Path temporary = null;
        try {
            temporary = Files.createTempFile(folder, "." + target.getFileName(), ".tmp");
            try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                writeCsv(writer, table);
            }
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the result table " + target, e);
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // Best effort: the move normally took it away already.
                }
            }
        }
    }

    static void writeCsv(Writer out, Table table) {
        CsvWriterSettings settings = new CsvWriterSettings();
        settings.getFormat().setLineSeparator("\n");
        settings.setQuoteEscapingEnabled(true);
        // Empty strings and missing values both become empty fields; Tablesaw reads both back as missing.
        settings.setNullValue("");
        settings.setEmptyValue("");
        // A row of missing values is still a row.
        settings.setSkipEmptyLines(false);
        CsvWriter writer = new CsvWriter(out, settings);
        int columns = table.columnCount();
        String[] header = new String[columns];
        for (int c = 0; c < columns; c++) {
            header[c] = table.column(c).name();
        }
        writer.writeHeaders(header);
        String[] row = new String[columns];
        for (int r = 0; r < table.rowCount(); r++) {
            for (int c = 0; c < columns; c++) {
                row[c] = cell(table.column(c), r);
            }
            writer.writeRow((Object[]) row);
        }
        writer.flush();
    }

    private static String cell(Column<?> column, int row) {
        if (column.isMissing(row)) {
            return "";
        }
        if (column instanceof DoubleColumn doubles) {
            return Numbers.csv(doubles.getDouble(row));
        }
        if (column instanceof FloatColumn floats) {
            float value = floats.getFloat(row);
            return Float.isNaN(value) ? "" : Double.toString(Numbers.round(value, Numbers.CSV_DIGITS));
        }
        return column.getUnformattedString(row);
    }
}
