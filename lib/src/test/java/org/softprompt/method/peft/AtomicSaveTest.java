package org.softprompt.method.peft;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.softprompt.backbone.Safetensors;
import org.softprompt.backbone.SafetensorsWriter;

/**
 * A save killed mid-write (SIGKILL of a child JVM, no shutdown hooks, no finally blocks) leaves the previous file
 * whole: the new bytes only ever go to a temporary file beside it, which is renamed over the target once complete.
 */
public class AtomicSaveTest {
    @TempDir
    Path folder;

    @Test
    void aSaveKilledMidWriteLeavesThePreviousFileIntact() throws IOException, InterruptedException {
        Path target = folder.resolve(PeftAdapter.WEIGHTS);
        try (SafetensorsWriter previous = new SafetensorsWriter(target,
                List.of(SafetensorsWriter.Tensor.float32("prompt_embeddings", new long[] {2, 3})), Map.of())) {
            ByteBuffer values = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 6; i++) {
                values.putFloat(i);
            }
            previous.write("prompt_embeddings", values.flip());
        }
        byte[] before = Files.readAllBytes(target);

        String javaBinary = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(javaBinary, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                InterruptedSave.class.getName(), target.toString()).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            StringBuilder seen = new StringBuilder();
            while ((line = out.readLine()) != null && !line.equals(InterruptedSave.HALF_WRITTEN)) {
                seen.append(line).append('\n');
            }
            assertEquals(InterruptedSave.HALF_WRITTEN, line, "the child never got half-way: " + seen);
            // the new data is on disk beside the target, not in it
            List<Path> temps = temporaryFiles();
            assertEquals(1, temps.size(), "one temporary file while writing: " + temps);
            assertTrue(Files.size(temps.get(0)) > 4L * 1024 * 1024, "the first tensor is written to it");
            assertArrayEquals(before, Files.readAllBytes(target), "untouched while the save runs");
            child.destroyForcibly(); // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }
        assertTrue(child.exitValue() != 0, "killed, not finished");
        assertArrayEquals(before, Files.readAllBytes(target), "the previous file survives the kill");
        assertEquals(List.of("prompt_embeddings"), List.copyOf(Safetensors.readHeader(target).tensors().keySet()));
        // what a kill leaves is a dot-named temporary file, never a partial target; a later save still works
        assertEquals(1, temporaryFiles().size());
        try (SafetensorsWriter next = new SafetensorsWriter(target,
                List.of(SafetensorsWriter.Tensor.float32("prompt_embeddings", new long[] {1})), Map.of())) {
            next.write("prompt_embeddings", ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(7f).flip());
        }
        assertFalse(java.util.Arrays.equals(before, Files.readAllBytes(target)));
        assertEquals(List.of(1L), java.util.Arrays.stream(Safetensors.readHeader(target).tensors()
                .get("prompt_embeddings").shape()).boxed().toList());
    }

    private List<Path> temporaryFiles() throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().startsWith("." + PeftAdapter.WEIGHTS)
                    && p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }
}
