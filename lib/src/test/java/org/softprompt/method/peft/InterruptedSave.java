package org.softprompt.method.peft;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.softprompt.backbone.SafetensorsWriter;

/**
 * Not a test: the child process of {@link AtomicSaveTest}. It starts replacing a safetensors file with two 4 MB
 * tensors through {@link SafetensorsWriter} (the writer every adapter and checkpoint save goes through), writes
 * the first, says so on stdout, and waits to be killed before writing the second.
 *
 * <pre>java -cp ... org.softprompt.method.peft.InterruptedSave target.safetensors</pre>
 */
public final class InterruptedSave {
    static final String HALF_WRITTEN = "half-written";
    static final long[] SHAPE = {1024, 1024};

    private InterruptedSave() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        Path target = Path.of(args[0]);
        SafetensorsWriter writer = new SafetensorsWriter(target, List.of(SafetensorsWriter.Tensor.float32("a", SHAPE),
                SafetensorsWriter.Tensor.float32("b", SHAPE)), Map.of());
        ByteBuffer data = ByteBuffer.allocate(4 * 1024 * 1024).order(ByteOrder.LITTLE_ENDIAN);
        while (data.hasRemaining()) {
            data.putFloat(2f);
        }
        writer.write("a", data.flip());
        System.out.println(HALF_WRITTEN);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE); // killed here, mid-save
        writer.close();
    }
}
