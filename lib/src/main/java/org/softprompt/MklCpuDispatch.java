package org.softprompt;

import com.sun.jna.Function;
import com.sun.jna.Library;
import com.sun.jna.NativeLibrary;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Lets the oneMKL inside DJL's libtorch use its fast code paths on AMD CPUs.
 *
 * <p>MKL chooses its matrix-product kernels after asking {@code mkl_serv_intel_cpu_true()} whether the CPU is an
 * Intel one; on any other vendor it falls back to generic kernels even when the CPU has AVX-512. On this project's
 * 2-core AMD EPYC a 2048^3 float32 product then runs at ~83 instead of ~100 GFLOP/s, and a GPT-2-small
 * prefix-tuning step takes ~30% longer (BENCHMARKS.md). libtorch exports that function and calls it through its
 * procedure linkage table, so a definition that is already in the process's global symbol scope when libtorch is
 * loaded takes its place (as {@code LD_PRELOAD} would, without touching the command line). This class loads a
 * 13 KB library holding only {@code int mkl_serv_intel_cpu_true(void) { return 1; }} (source and build script in
 * lib/src/main/native/) with {@code RTLD_GLOBAL}, through JNA, which DJL already depends on. MKL still reads the
 * CPU's feature flags before it picks a kernel, so it never uses instructions the CPU lacks.
 *
 * <p>{@link Engines#pytorch()} calls {@link #apply()} before DJL loads libtorch. It acts only on x86-64 Linux with an
 * AMD CPU; {@code -Dsoftprompt.mkl.intelPath=off} turns it off.
 */
public final class MklCpuDispatch {
    /** System property: {@code auto} (default: on AMD CPUs under x86-64 Linux) or {@code off}. */
    public static final String PROPERTY = "softprompt.mkl.intelPath";
    static final String LIBRARY = "softprompt_mkl_intel_cpu";
    static final String SYMBOL = "mkl_serv_intel_cpu_true";
    private static final int RTLD_NOW = 0x2;
    private static final int RTLD_GLOBAL = 0x100;

    /** Whether the override is in the process and why (or why not). */
    public record Status(boolean applied, String reason) {
        @Override
        public String toString() {
            return (applied ? "MKL Intel code paths enabled: " : "MKL code paths unchanged: ") + reason;
        }
    }

    private static Status status;
    /** Held for the life of the process: JNA closes (dlcloses) a library whose NativeLibrary is collected. */
    private static NativeLibrary override;

    private MklCpuDispatch() {}

    /**
     * Loads the override once if this process wants it; later calls return the first outcome. Failing to load is a
     * status, not an error (the engine then runs as it would without this class).
     *
     * @throws IllegalArgumentException if {@value #PROPERTY} is neither {@code auto} nor {@code off}
     */
    public static synchronized Status apply() {
        if (status == null) {
            status = decideAndLoad();
        }
        return status;
    }

    /** The outcome of {@link #apply()}, or {@code null} before it ran. */
    public static synchronized Status status() {
        return status;
    }

    private static Status decideAndLoad() {
        return decide(System.getProperty(PROPERTY, "auto"), System.getProperty("os.name", ""),
                System.getProperty("os.arch", ""), cpuVendor(Path.of("/proc/cpuinfo")));
    }

    /** Whether to load the override for this setting, platform and CPU vendor; loads it if so. */
    static Status decide(String property, String osName, String arch, String vendor) {
        if (!NativeSwitch.wanted(PROPERTY, property)) {
            return new Status(false, PROPERTY + "=" + NativeSwitch.setting(property));
        }
        if (!NativeSwitch.x8664Linux(osName, arch)) {
            return new Status(false, "only needed on x86-64 Linux (here " + osName + " " + arch + ")");
        }
        if (!vendor.equals("AuthenticAMD")) {
            return new Status(false, "CPU vendor " + (vendor.isEmpty() ? "unknown" : vendor)
                    + " (MKL already picks its fast paths on Intel CPUs)");
        }
        try {
            // JNA finds linux-x86-64/lib<LIBRARY>.so on the class path, extracts it and dlopens it with these flags.
            NativeLibrary loaded = NativeLibrary.getInstance(LIBRARY,
                    Map.of(Library.OPTION_OPEN_FLAGS, RTLD_NOW | RTLD_GLOBAL));
            synchronized (MklCpuDispatch.class) {
                override = loaded;
            }
            int answer = globalAnswer();
            if (answer != 1) {
                return new Status(false, "the process's global " + SYMBOL + " answers " + answer
                        + " (another definition was loaded first)");
            }
            return new Status(true, "AMD CPU; " + SYMBOL + " overridden in the global symbol scope");
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return new Status(false, "could not load lib" + LIBRARY + ".so: " + e.getMessage());
        }
    }

    /** The {@code vendor_id} of the first processor in a cpuinfo file, or "" if there is none. */
    static String cpuVendor(Path cpuinfo) {
        try {
            for (String line : Files.readAllLines(cpuinfo, StandardCharsets.UTF_8)) {
                if (line.startsWith("vendor_id")) {
                    int colon = line.indexOf(':');
                    return colon < 0 ? "" : line.substring(colon + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            return "";
        }
        return "";
    }

    /** What the process's global definition of the symbol answers: 1 once {@link #apply()} loaded the override. */
    static int globalAnswer() {
        Function f = NativeLibrary.getProcess().getFunction(SYMBOL);
        return f.invokeInt(new Object[0]);
    }
}
