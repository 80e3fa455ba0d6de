package org.softprompt.benchmarks;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The plain-PyTorch side (benchmarks/python/reference.py, packaged in this jar) as a child process driven one JSON
 * line at a time, so that both sides are timed alternately in the same run.
 *
 * <p>Environment of the child: {@code OMP_WAIT_POLICY=PASSIVE}, {@code OPENBLAS_NUM_THREADS} and
 * {@code BENCH_THREADS} set to the thread count, and, when {@code bench.blas} names a folder (default: Debian's
 * OpenBLAS, {@code /usr/lib/x86_64-linux-gnu/openblas-pthread}, if installed), that folder first on
 * {@code LD_LIBRARY_PATH}: Debian's python3-torch calls whatever libblas.so.3 the system selects, which is the
 * unoptimized reference BLAS unless OpenBLAS is installed and selected. {@code bench.referenceEnv} adds variables,
 * as {@code NAME=value} pairs separated by spaces (e.g. glibc's malloc settings, to see how much of a difference
 * the C library's treatment of large blocks makes on the reference's side).
 */
final class PythonReference implements AutoCloseable {
    static final String DEFAULT_PYTHON = "/usr/bin/python3";
    static final String DEFAULT_BLAS = "/usr/lib/x86_64-linux-gnu/openblas-pthread";

    private final Process process;
    private final Writer in;
    private final BufferedReader out;

    private PythonReference(Process process) {
        this.process = process;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts the reference server. */
    static PythonReference start(int threads) {
        try {
            return new PythonReference(builder(threads, List.of()).start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + python() + " (set -Dbench.python)", e);
        }
    }

    /** A process that runs {@code steps} steps of one workload and prints its peak resident memory. */
    static ProcessBuilder memoryProbe(int threads, String workload, int steps) {
        return builder(threads, List.of("--memory", workload, Integer.toString(steps)));
    }

    private static ProcessBuilder builder(int threads, List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(python(), "-u", script().toString()));
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        Map<String, String> env = builder.environment();
        env.put("OMP_WAIT_POLICY", "PASSIVE");
        env.put("OPENBLAS_NUM_THREADS", Integer.toString(threads));
        env.put("BENCH_THREADS", Integer.toString(threads));
        env.putAll(extraEnvironment(System.getProperty("bench.referenceEnv", "")));
        String blas = blasFolder();
        if (blas != null) {
            String old = env.get("LD_LIBRARY_PATH");
            env.put("LD_LIBRARY_PATH", old == null || old.isEmpty() ? blas : blas + ":" + old);
        }
        return builder;
    }

    /** {@code NAME=value} pairs separated by white space. */
    static Map<String, String> extraEnvironment(String pairs) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        for (String pair : pairs.trim().split("\\s+")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("bench.referenceEnv: '" + pair + "' is not NAME=value");
            }
            env.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return env;
    }

    static String python() {
        return System.getProperty("bench.python", DEFAULT_PYTHON);
    }

    /** The BLAS folder put first on the child's library path, or null for the system's choice. */
    static String blasFolder() {
        String blas = System.getProperty("bench.blas", DEFAULT_BLAS);
        return blas.isEmpty() || !Files.isDirectory(Path.of(blas)) ? null : blas;
    }

    /** reference.py extracted from the jar (or the class folder) to a temporary file. */
    private static synchronized Path script() {
        try (InputStream source = PythonReference.class.getResourceAsStream("reference.py")) {
            if (source == null) {
                throw new IllegalStateException("reference.py is missing from the benchmarks jar; rebuild it");
            }
            Path file = Files.createTempFile("softprompt-reference", ".py");
            file.toFile().deleteOnExit();
            Files.copy(source, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends one request and returns the reply. */
    JsonObject call(JsonObject request) {
        try {
            in.write(request.toString());
            in.write('\n');
            in.flush();
            String line = out.readLine();
            if (line == null) {
                throw new IllegalStateException("the PyTorch reference exited (code " + process.waitFor()
                        + ") after " + request);
            }
            JsonObject reply = JsonParser.parseString(line).getAsJsonObject();
            if (reply.has("error")) {
                throw new IllegalStateException("the PyTorch reference failed on " + request + ": " + reply);
            }
            return reply;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    JsonObject call(String op) {
        JsonObject request = new JsonObject();
        request.addProperty("op", op);
        return call(request);
    }

    void setUp(String workload) {
        JsonObject request = new JsonObject();
        request.addProperty("op", "setup");
        request.addProperty("workload", workload);
        call(request);
    }

    /** Runs the set-up workload once: {wall milliseconds, value, process CPU milliseconds}. */
    double[] run() {
        JsonObject reply = call("run");
        return new double[] {reply.get("ms").getAsDouble(), reply.get("value").getAsDouble(),
            reply.get("cpu_ms").getAsDouble()};
    }

    /** {best wall-clock GFLOP/s, GFLOP per CPU-second} of a size^3 float32 product. */
    double[] matmulGflops(int size) {
        JsonObject request = new JsonObject();
        request.addProperty("op", "matmul");
        request.addProperty("size", size);
        JsonObject reply = call(request);
        return new double[] {reply.get("gflops").getAsDouble(), reply.get("gflop_per_cpu_second").getAsDouble()};
    }

    @Override
    public void close() {
        try {
            call("quit");
        } catch (RuntimeException ignored) {
            // quit sends no reply: the read ends at end of stream
        }
        process.destroy();
    }
}
