package org.softprompt.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.FloatColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;

class ResultsTest {
    @TempDir
    Path folder;
    private String previous;

    @BeforeEach
    void pointResultsAtTheTemporaryFolder() {
        previous = System.getProperty(Results.PROPERTY);
        System.setProperty(Results.PROPERTY, folder.resolve("run").toString());
    }

    @AfterEach
    void restore() {
        if (previous == null) {
            System.clearProperty(Results.PROPERTY);
        } else {
            System.setProperty(Results.PROPERTY, previous);
        }
    }

    private static Table results() {
        return Table.create("results",
                StringColumn.create("method", "prefix-tuning", "BitFit, \"null\" prompts", "line\nbreak", ""),
                IntColumn.create("steps", 100, 2000, 30, 7),
                DoubleColumn.create("accuracy", 0.1 + 0.2, 0.912345678, Double.NaN, 2.0),
                FloatColumn.create("loss", 0.1f, 1.5e-8f, 3f, Float.NaN),
                BooleanColumn.create("converged", true, false, true, false));
    }

    @Test
    void csvRoundTripsThroughTablesawsReader() throws IOException {
        Path file = Results.save("sst2-accuracy", results());
        assertEquals(folder.resolve("run").resolve("sst2-accuracy.csv").toAbsolutePath(), file);

        Table read = Table.read().usingOptions(CsvReadOptions.builder(file.toFile()).build());
        assertEquals(List.of("method", "steps", "accuracy", "loss", "converged"), read.columnNames());
        assertEquals(4, read.rowCount());
        assertEquals(List.of(ColumnType.STRING, ColumnType.INTEGER, ColumnType.DOUBLE, ColumnType.DOUBLE,
                ColumnType.BOOLEAN), read.types());
        assertEquals("BitFit, \"null\" prompts", read.stringColumn("method").get(1));
        assertEquals("line\nbreak", read.stringColumn("method").get(2));
        assertEquals(2000, read.intColumn("steps").get(1));
        assertEquals(0.3, read.doubleColumn("accuracy").get(0));
        assertEquals(0.912346, read.doubleColumn("accuracy").get(1));
        assertTrue(read.doubleColumn("accuracy").isMissing(2));
        assertEquals(2.0, read.doubleColumn("accuracy").get(3));
        assertEquals(0.1, read.doubleColumn("loss").get(0));
        assertEquals(1.5e-8, read.doubleColumn("loss").get(1));
        assertTrue(read.doubleColumn("loss").isMissing(3));
        assertEquals(false, read.booleanColumn("converged").get(3));
    }

    @Test
    void fileTextIsStableAndFreeOfBinaryNoise() throws IOException {
        Path file = Results.save("stable", results());
        String csv = Files.readString(file, StandardCharsets.UTF_8);
        assertEquals("method,steps,accuracy,loss,converged\n"
                + "prefix-tuning,100,0.3,0.1,true\n"
                + "\"BitFit, \"\"null\"\" prompts\",2000,0.912346,1.5E-8,false\n"
                + "\"line\nbreak\",30,,3.0,true\n"
                + ",7,2.0,,false\n", csv);
    }

    @Test
    void savingAgainReplacesTheFileAndLeavesNoTemporaryFiles() throws IOException {
        Results.save("again", results());
        Table smaller = Table.create("r", IntColumn.create("n", new int[] {1}));
        Path file = Results.save("again", smaller);
        assertEquals("n\n1\n", Files.readString(file));
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of("again.csv"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void rowsOfMissingValuesAreKept() throws IOException {
        Table gaps = Table.create("gaps", DoubleColumn.create("a", 1.0, Double.NaN, 3.0),
                StringColumn.create("b", "x", "", "z"));
        assertEquals("a,b\n1.0,x\n,\n3.0,z\n", Files.readString(Results.save("gaps", gaps)));
    }

    @Test
    void unsafeNamesAreRejectedWithTheRule() {
        for (String bad : new String[] {"", "../escape", "a/b", "with space", ".hidden", "-dash", "x".repeat(101)}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Results.save(bad, results()), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("letters, digits"),
                    e.getMessage());
        }
        IllegalArgumentException csv = assertThrows(IllegalArgumentException.class,
                () -> Results.save("table.csv", results()));
        assertTrue(csv.getMessage().contains("without it"), csv.getMessage());
        Results.checkName("E2E_test.v2-bleu");
    }

    @Test
    void withoutConfigurationResultsGoUnderTargetPerScale() {
        System.clearProperty(Results.PROPERTY);
        if (System.getenv(Results.ENV) == null) {
            Path expected = Path.of("target", "results", org.softprompt.Scale.current().toString())
                    .toAbsolutePath().normalize();
            assertEquals(expected, Results.directory());
        }
    }
}
