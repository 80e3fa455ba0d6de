package org.softprompt;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Keeps libtorch's large freed CPU tensor blocks for reuse instead of returning them to the C library.
 *
 * <p>glibc serves every block above its mmap threshold (which never rises above 32 MiB; in a JVM's threads every
 * block above 64 MB) as a fresh memory mapping and unmaps it when it is freed, so a training step that allocates the
 * same large tensors every step touches them all anew: on GPT-2-small at 8 x 128 tokens, the 200 MB logits and
 * their gradients alone cost ~210,000 page faults and 0.6-2 s of kernel time per step. PyTorch's GPU allocator
 * caches blocks for this reason; on the CPU, PyTorch's tuning guides preload jemalloc or tcmalloc, which a JVM
 * started by a notebook cannot do, and glibc's own settings are read once at process start-up. The native library
 * ({@code lib/src/main/native/host_cache.c}) therefore redirects libc10's {@code posix_memalign} and {@code free}
 * (where every tensor's memory comes from and goes back to) to a cache: blocks of at least {@link #MIN_BYTES} are
 * rounded up to a size class (at most 1/8 larger), reused for later requests of the same class, and released to the
 * C library, oldest first, once more than {@link #capacity()} bytes sit unused or once a block has waited 10 seconds
 * without being reused (a training loop takes its blocks back every step; a workload whose shapes keep changing
 * would otherwise fill the cache with blocks nobody asks for again). A freed block also serves requests up to 1/4
 * smaller, so batches of varying lengths share blocks. Other libraries' memory is untouched.
 *
 * <p>{@link Engines#pytorch()} installs it once libtorch is loaded, on x86-64 Linux (the platform of the shipped
 * native library). {@code -Dsoftprompt.hostCache=off} leaves the C library in charge; {@code
 * -Dsoftprompt.hostCache.maxBytes=N} (suffixes k, m, g) sets how many unused bytes may stay cached (default: a
 * quarter of the machine's memory; a GPT-2-small full fine-tuning step at 8 x 128 tokens reuses ~2 GiB of blocks);
 * {@code -Dsoftprompt.hostCache.decaySeconds=N} how long a freed block may wait (default 10; 0 keeps it).
 * {@link #release()} gives them back at any time, as {@code torch.cuda.empty_cache()} does on the GPU.
 */
public final class HostMemoryCache {
    /** System property: {@code auto} (default: on x86-64 Linux) or {@code off}. */
    public static final String PROPERTY = "softprompt.hostCache";
    /** System property: the most unused bytes kept, e.g. {@code 4g} or {@code 512m}; default a quarter of memory. */
    public static final String CAPACITY_PROPERTY = "softprompt.hostCache.maxBytes";
    /** System property: seconds a freed block may wait to be reused before it is released; 0 keeps it. */
    public static final String DECAY_PROPERTY = "softprompt.hostCache.decaySeconds";
    /** Long enough for a training loop to take its blocks back on the next step, short enough to drop stale shapes. */
    static final long DEFAULT_DECAY_SECONDS = 10;
    /**
     * Requests below this size go straight to the C library: glibc's mmap threshold never rises above 32 MiB, so
     * every larger block is a fresh mapping there, while smaller ones are reused from its heaps once the threshold
     * has adapted. Caching from 1 MiB instead saved a little more kernel time on fixed-shape steps but doubled the
     * resident memory of training on batches of varying shapes (BENCHMARKS.md, fifth run).
     */
    public static final long MIN_BYTES = 32L << 20;
    static final String LIBRARY = "softprompt_host_cache";
    /** The library whose tensor allocations are cached: c10::alloc_cpu and c10::free_cpu live in libc10. */
    static final String TARGET = "/libc10.so";

    /** Whether the cache is installed, and why (or why not). */
    public record Status(boolean applied, String reason) {
        @Override
        public String toString() {
            return (applied ? "host memory cache installed: " : "host memory cache not installed: ") + reason;
        }
    }

    /**
     * The cache's counters since installation.
     *
     * @param hits requests served from a cached block
     * @param misses requests passed to the C library (the block is cached once freed)
     * @param releases cached blocks given back to the C library (capacity exceeded, unused past the decay, or
     *     {@link #release()})
     * @param untracked blocks too many to track, left to the C library
     * @param cachedBytes bytes in freed blocks now held for reuse
     * @param cachedBlocks freed blocks now held
     * @param trackedBlocks blocks from the cache in use or held
     * @param doubleFrees frees of a block that was already cached (a bug elsewhere; ignored, so the block is not
     *     given out twice)
     */
    public record Stats(long hits, long misses, long releases, long untracked, long cachedBytes, long cachedBlocks,
                        long trackedBlocks, long doubleFrees) {}

    private static Status status;
    private static long capacity;
    /** Held for the life of the process: its functions are in libc10's offset table from now on. */
    private static NativeLibrary library;

    private HostMemoryCache() {}

    /**
     * Installs the cache once, if this process wants it and libtorch is loaded; later calls return the first outcome.
     * Failing to install is a status, not an error (tensors then come from the C library as before).
     *
     * @throws IllegalArgumentException if {@value #PROPERTY} is neither {@code auto} nor {@code off},
     *     {@value #CAPACITY_PROPERTY} is not a byte count, or {@value #DECAY_PROPERTY} not a number of seconds
     */
    public static synchronized Status apply() {
        if (status == null) {
            String value = System.getProperty(PROPERTY, "auto");
            String limit = System.getProperty(CAPACITY_PROPERTY);
            long bytes = limit == null ? defaultCapacity() : parseBytes(limit);
            long decay = parseSeconds(System.getProperty(DECAY_PROPERTY, Long.toString(DEFAULT_DECAY_SECONDS)));
            status = decide(value, System.getProperty("os.name", ""), System.getProperty("os.arch", ""), bytes,
                    decay);
            if (status.applied()) {
                capacity = bytes;
            }
        }
        return status;
    }

    /** The outcome of {@link #apply()}, or {@code null} before it ran. */
    public static synchronized Status status() {
        return status;
    }

    /** The most unused bytes the cache keeps (0 when it is not installed). */
    public static synchronized long capacity() {
        return capacity;
    }

    /** The counters, or all zeros when the cache is not installed. */
    public static synchronized Stats stats() {
        if (library == null) {
            return new Stats(0, 0, 0, 0, 0, 0, 0, 0);
        }
        try (Memory out = new Memory(8 * Long.BYTES)) {
            library.getFunction("softprompt_host_cache_stats").invokeVoid(new Object[] {out});
            long[] v = out.getLongArray(0, 8);
            return new Stats(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        }
    }

    /** Gives every cached block back to the C library; returns the bytes released (0 when not installed). */
    public static synchronized long release() {
        return library == null ? 0 : library.getFunction("softprompt_host_cache_release").invokeLong(new Object[0]);
    }

    /**
     * Whether to install the cache for this setting and platform; installs it if so (or, if it is installed, sets its
     * capacity and decay again).
     */
    static Status decide(String value, String osName, String arch, long bytes, long decaySeconds) {
        if (!NativeSwitch.wanted(PROPERTY, value)) {
            return new Status(false, PROPERTY + "=" + NativeSwitch.setting(value));
        }
        if (!NativeSwitch.x8664Linux(osName, arch)) {
            return new Status(false, "the native library is built for x86-64 Linux only (here " + osName + " "
                    + arch + ")");
        }
        try {
            NativeLibrary loaded = NativeLibrary.getInstance(LIBRARY);
            Function install = loaded.getFunction("softprompt_host_cache_install");
            int patched = install.invokeInt(new Object[] {TARGET, MIN_BYTES, bytes, decaySeconds});
            if (patched < 0) {
                return new Status(false, "libtorch's " + TARGET.substring(1) + " is not loaded in this process");
            }
            if (patched == 0) {
                return new Status(false, TARGET.substring(1) + " imports neither posix_memalign nor free");
            }
            library = loaded;
            return new Status(true, patched + " entries of " + TARGET.substring(1) + " redirected; blocks of "
                    + (MIN_BYTES >> 20) + " MiB and more cached, up to " + formatBytes(bytes) + " unused"
                    + (decaySeconds > 0 ? " for at most " + decaySeconds + " s" : ""));
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return new Status(false, "could not load lib" + LIBRARY + ".so: " + e.getMessage());
        }
    }

    /** A whole number of seconds, 0 or more. */
    static long parseSeconds(String text) {
        try {
            long value = Long.parseLong(text.trim());
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("system property " + DECAY_PROPERTY + " is '" + text
                + "'; expected a whole number of seconds (0 keeps freed blocks until the capacity is reached)");
    }

    /** A quarter of the machine's physical memory (1 GiB if the JVM cannot tell). */
    static long defaultCapacity() {
        if (ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os && os.getTotalMemorySize() > 0) {
            return os.getTotalMemorySize() / 4;
        }
        return 1L << 30;
    }

    /** A byte count such as {@code 2147483648}, {@code 512m} or {@code 2g} (binary units). */
    static long parseBytes(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (!t.isEmpty()) {
            char last = t.charAt(t.length() - 1);
            unit = switch (last) {
                case 'k' -> 1L << 10;
                case 'm' -> 1L << 20;
                case 'g' -> 1L << 30;
                default -> 1;
            };
            if (unit != 1) {
                t = t.substring(0, t.length() - 1).trim();
            }
        }
        try {
            long value = Long.parseLong(t);
            if (value < 0) {
                throw new NumberFormatException("negative");
            }
            return Math.multiplyExact(value, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("system property " + CAPACITY_PROPERTY + " is '" + text
                    + "'; expected a byte count such as 2147483648, 512m or 2g", e);
        }
    }

    private static String formatBytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }
}
