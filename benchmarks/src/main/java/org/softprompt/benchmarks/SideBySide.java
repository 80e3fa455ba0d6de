package org.softprompt.benchmarks;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.softprompt.Engines;
import org.softprompt.HostMemoryCache;

/**
 * Times every workload of {@link Workloads} here and in plain PyTorch ({@link PythonReference}) in the same run,
 * alternating (ours, theirs, theirs, ours, ...: whoever goes first flips each repeat), after warm-up runs on both
 * sides; reports medians, the ratio ours / PyTorch (time: below 1 means we are faster), and the achieved GFLOP/s
 * against each side's measured 2048^3 matrix-product rate. Then measures the peak resident memory of training steps
 * in fresh processes (see {@link MemoryProbe}). Prints a Markdown table and writes it to {@code --out}.
 *
 * <pre>
 * OMP_WAIT_POLICY=PASSIVE java -Xmx2g -jar benchmarks/target/softprompt-benchmarks.jar \
 *     [--repeats 7] [--warmup 2] [--only name,name] [--memory-steps 3] [--no-memory] [--out FILE]
 * </pre>
 */
public final class SideBySide {
    private static final int MATMUL_SIZE = 2048;
    private static final List<String> MEMORY_WORKLOADS = List.of("gpt2-small/prefix-step", "gpt2-small/full-step",
            "bert-base/ptuning-v2-step");

    private SideBySide() {}

    /** Medians of one workload on both sides. */
    record Row(Workloads.Spec spec, double[] ours, double[] theirs, double[] oursCpu, double[] theirsCpu,
               double oursValue, double theirsValue, String load) {
        double oursMedian() {
            return median(ours);
        }

        double theirsMedian() {
            return median(theirs);
        }
    }

    public static void main(String[] args) throws Exception {
        int repeats = 7;
        int warmup = 2;
        int memorySteps = 3;
        boolean memory = true;
        Path outFile = null;
        List<String> names = Workloads.names();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--memory-steps" -> memorySteps = Integer.parseInt(args[++i]);
                case "--no-memory" -> memory = false;
                case "--out" -> outFile = Path.of(args[++i]);
                case "--only" -> names = Arrays.asList(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; see the javadoc of SideBySide");
            }
        }
        names.forEach(Workloads::named); // unknown names fail before anything starts
        if (!"PASSIVE".equals(System.getenv("OMP_WAIT_POLICY"))) {
            System.err.println("warning: OMP_WAIT_POLICY is not PASSIVE; libtorch's threads spin while waiting");
        }
        Engine engine = Engines.pytorch();
        int threads = Integer.parseInt(System.getProperty("ai.djl.pytorch.num_threads",
                Integer.toString(Runtime.getRuntime().availableProcessors())));
        StringBuilder report = new StringBuilder();
        try (NDManager manager = Engines.newManager(); PythonReference python = PythonReference.start(threads)) {
            JsonObject info = python.call("info");
            String machine = String.format(Locale.ROOT, "%d cores, Java %s, DJL %s with PyTorch %s; reference: "
                    + "Python PyTorch %s (%d threads), BLAS folder %s%s; ours: %s; load average at start %s",
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                    Engine.getDjlVersion(), engine.getVersion(), info.get("torch").getAsString(),
                    info.get("threads").getAsInt(), PythonReference.blasFolder(),
                    System.getProperty("bench.referenceEnv", "").isBlank() ? ""
                            : ", environment " + System.getProperty("bench.referenceEnv").trim(),
                    HostMemoryCache.status(), loadAverage());
            System.out.println(machine);
            double[] oursPeak = matmulGflops(manager);
            double[] theirsPeak = python.matmulGflops(MATMUL_SIZE);
            System.out.printf(Locale.ROOT, "2048^3 matmul: ours %.1f GFLOP/s (%.1f per CPU-second), PyTorch %.1f "
                    + "GFLOP/s (%.1f per CPU-second)%n", oursPeak[0], oursPeak[1], theirsPeak[0], theirsPeak[1]);
            List<Row> rows = new ArrayList<>();
            for (String name : names) {
                rows.add(measure(Workloads.all().get(name), manager, python, repeats, warmup));
            }
            report.append("Machine: ").append(machine).append("\n\n");
            report.append(String.format(Locale.ROOT, "Measured 2048^3 float32 matrix product (best of 5): ours "
                    + "%.1f GFLOP/s (%.1f GFLOP per CPU-second), PyTorch reference %.1f GFLOP/s (%.1f per "
                    + "CPU-second). Medians of %d alternating repeats after %d warm-ups.%n%n", oursPeak[0],
                    oursPeak[1], theirsPeak[0], theirsPeak[1], repeats, warmup));
            report.append(table(rows, oursPeak, theirsPeak));
        }
        if (memory) {
            report.append("\n").append(memoryTable(names, threads, memorySteps));
        }
        System.out.println();
        System.out.println(report);
        if (outFile != null) {
            Files.writeString(outFile, report.toString());
        }
    }

    private static Row measure(Workloads.Spec spec, NDManager manager, PythonReference python, int repeats,
            int warmup) {
        System.out.printf("%s: setting up%n", spec.name());
        String loadBefore = loadAverage();
        double[] ours = new double[repeats];
        double[] theirs = new double[repeats];
        double[] oursCpu = new double[repeats];
        double[] theirsCpu = new double[repeats];
        double oursValue = Double.NaN;
        double theirsValue = Double.NaN;
        try (Workload workload = spec.factory().apply(manager)) {
            python.setUp(spec.name());
            for (int i = -warmup; i < repeats; i++) {
                boolean oursFirst = (i & 1) == 0;
                double[] reference = null;
                if (!oursFirst) {
                    reference = python.run();
                }
                double[] measured = timeOurs(workload);
                if (oursFirst) {
                    reference = python.run();
                }
                oursValue = measured[1];
                theirsValue = reference[1];
                System.out.printf(Locale.ROOT, "  %s %d: ours %.1f ms (CPU %.0f; %.5g), PyTorch %.1f ms (CPU %.0f; "
                        + "%.5g)%n", i < 0 ? "warm-up" : "repeat", i < 0 ? i + warmup + 1 : i + 1, measured[0],
                        measured[2], measured[1], reference[0], reference[2], reference[1]);
                if (i >= 0) {
                    ours[i] = measured[0];
                    theirs[i] = reference[0];
                    oursCpu[i] = measured[2];
                    theirsCpu[i] = reference[2];
                }
            }
            python.call("close");
        }
        String load = loadBefore + " -> " + loadAverage();
        Row row = new Row(spec, ours, theirs, oursCpu, theirsCpu, oursValue, theirsValue, load);
        System.out.printf(Locale.ROOT, "%s: ours %.1f ms, PyTorch %.1f ms, ratio %.2f (load %s)%n", spec.name(),
                row.oursMedian(), row.theirsMedian(), row.oursMedian() / row.theirsMedian(), load);
        return row;
    }

    /** {wall milliseconds, value, process CPU milliseconds} of one run. */
    private static double[] timeOurs(Workload workload) {
        long cpu = Repeat.cpuNanos();
        long start = System.nanoTime();
        double value = workload.run();
        return new double[] {(System.nanoTime() - start) / 1e6, value, (Repeat.cpuNanos() - cpu) / 1e6};
    }

    /**
     * The results table. Rates: GFLOP per wall-clock second (against the matmul's wall-clock rate) and, less
     * sensitive to other processes on the machine, GFLOP per CPU-second (against the matmul's rate per CPU-second).
     */
    private static String table(List<Row> rows, double[] oursPeak, double[] theirsPeak) {
        StringBuilder out = new StringBuilder();
        out.append("| workload | ours (median, min-max) | PyTorch (median, min-max) | ours / PyTorch | CPU time: ours, "
                + "PyTorch, ratio | GFLOP | GFLOP/s ours, PyTorch (% of each one's matmul) | GFLOP per CPU-s ours, "
                + "PyTorch (% of matmul) | load before -> after |\n");
        out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (Row row : rows) {
            double gflop = row.spec().flop() / 1e9;
            double oursRate = gflop / (row.oursMedian() / 1e3);
            double theirsRate = gflop / (row.theirsMedian() / 1e3);
            double oursCpu = median(row.oursCpu());
            double theirsCpu = median(row.theirsCpu());
            double oursCpuRate = gflop / (oursCpu / 1e3);
            double theirsCpuRate = gflop / (theirsCpu / 1e3);
            out.append(String.format(Locale.ROOT, "| %s | %,.0f ms (%,.0f-%,.0f) | %,.0f ms (%,.0f-%,.0f) | **%.2f** "
                            + "| %,.0f ms, %,.0f ms, %.2f | %.1f | %.1f (%.0f%%), %.1f (%.0f%%) "
                            + "| %.1f (%.0f%%), %.1f (%.0f%%) | %s |%n",
                    row.spec().description(), row.oursMedian(), min(row.ours()), max(row.ours()),
                    row.theirsMedian(), min(row.theirs()), max(row.theirs()), row.oursMedian() / row.theirsMedian(),
                    oursCpu, theirsCpu, oursCpu / theirsCpu, gflop,
                    oursRate, 100 * oursRate / oursPeak[0], theirsRate, 100 * theirsRate / theirsPeak[0],
                    oursCpuRate, 100 * oursCpuRate / oursPeak[1], theirsCpuRate, 100 * theirsCpuRate / theirsPeak[1],
                    row.load()));
        }
        return out.toString();
    }

    private static String memoryTable(List<String> names, int threads, int steps) throws Exception {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Peak resident memory (VmHWM) of a fresh process running %d steps:%n%n",
                steps));
        out.append("| workload | ours | PyTorch |\n| --- | ---: | ---: |\n");
        for (String name : MEMORY_WORKLOADS) {
            if (!names.contains(name)) {
                continue;
            }
            double ours = probe(javaProbe(name, steps));
            double theirs = probe(PythonReference.memoryProbe(threads, name, steps));
            System.out.printf(Locale.ROOT, "%s: peak RSS ours %.0f MiB, PyTorch %.0f MiB%n", name, ours, theirs);
            out.append(String.format(Locale.ROOT, "| %s | %,.0f MiB | %,.0f MiB |%n",
                    Workloads.all().get(name).description(), ours, theirs));
        }
        return out.toString();
    }

    /** The same JVM (class path, heap, DJL properties) running {@link MemoryProbe}. */
    private static ProcessBuilder javaProbe(String name, int steps) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), MemoryProbe.class.getName(), name,
                Integer.toString(steps)));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().put("OMP_WAIT_POLICY", "PASSIVE");
        return builder;
    }

    /** Runs a probe process and returns the peak_rss_mib of its last output line. */
    private static double probe(ProcessBuilder builder) throws IOException, InterruptedException {
        Process process = builder.start();
        String last = null;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                last = line;
            }
        }
        int code = process.waitFor();
        if (code != 0 || last == null || !last.startsWith("{")) {
            throw new IllegalStateException(builder.command() + " failed (exit " + code + ", last line " + last + ")");
        }
        return JsonParser.parseString(last).getAsJsonObject().get("peak_rss_mib").getAsDouble();
    }

    /** {best wall-clock GFLOP/s, GFLOP per CPU-second} of 5 timed 2048^3 float32 products, after 2 warm-ups. */
    static double[] matmulGflops(NDManager parent) {
        try (NDManager manager = parent.newSubManager()) {
            NDArray a = manager.randomNormal(new Shape(MATMUL_SIZE, MATMUL_SIZE));
            NDArray b = manager.randomNormal(new Shape(MATMUL_SIZE, MATMUL_SIZE));
            double best = Double.MAX_VALUE;
            long cpu = 0;
            for (int i = -2; i < 5; i++) {
                try (NDManager step = manager.newSubManager()) {
                    NDArray view = Workloads.local(a, step);
                    long cpuStart = Repeat.cpuNanos();
                    long start = System.nanoTime();
                    view.matMul(b).getFloat(0, 0);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    if (i >= 0) {
                        best = Math.min(best, seconds);
                        cpu += Repeat.cpuNanos() - cpuStart;
                    }
                }
            }
            double flop = 2.0 * MATMUL_SIZE * MATMUL_SIZE * MATMUL_SIZE;
            return new double[] {flop / best / 1e9, flop * 5 / (cpu / 1e9) / 1e9};
        }
    }

    static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (IOException e) {
            return "unknown";
        }
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElse(Double.NaN);
    }
}
