package org.softprompt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HostMemoryCacheTest {

    @BeforeAll
    static void startEngine() {
        Engines.pytorch();
    }

    private static boolean x8664Linux() {
        return System.getProperty("os.name").toLowerCase().startsWith("linux")
                && (System.getProperty("os.arch").equals("amd64") || System.getProperty("os.arch").equals("x86_64"));
    }

    @Test
    void isInstalledIntoLibc10OnX8664Linux() {
        HostMemoryCache.Status status = HostMemoryCache.status();
        if (x8664Linux() && !"off".equals(System.getProperty(HostMemoryCache.PROPERTY))) {
            assertTrue(status.applied(), status.toString());
            // libc10 imports posix_memalign and free (free twice: its PLT slot and an address-taken copy)
            assertTrue(status.reason().startsWith("3 entries of libc10.so"), status.reason());
            assertTrue(HostMemoryCache.capacity() > 0);
        } else {
            assertFalse(status.applied(), status.toString());
        }
    }

    /**
     * A freed block serves the next request of its size class, or up to a quarter smaller, and the tensor built in
     * it holds exactly what was written (a reused block is not zeroed, as fresh memory from the C library may be).
     */
    @Test
    void reusesAFreedBlockForTheSameOrASlightlySmallerTensor() {
        if (!HostMemoryCache.status().applied()) {
            return;
        }
        HostMemoryCache.release();
        Random random = new Random(3);
        int n = 20_000_003; // 80 MB of float32: above the 32 MiB threshold, a size no other test uses
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = random.nextFloat();
        }
        try (NDManager manager = Engines.newManager()) {
            // create() wraps memory the JVM allocated; the copy is libtorch's own, as every operation's result
            NDArray source = manager.create(data);
            NDArray first = source.duplicate();
            first.close();
            HostMemoryCache.Stats freed = HostMemoryCache.stats();
            assertTrue(freed.cachedBytes() >= 4L * n && freed.cachedBlocks() >= 1, freed.toString());

            NDArray again = source.duplicate();
            HostMemoryCache.Stats reused = HostMemoryCache.stats();
            assertEquals(freed.hits() + 1, reused.hits(), reused.toString());
            assertEquals(freed.misses(), reused.misses(), reused.toString());
            assertArrayEquals(data, again.toFloatArray());
            NDArray sum = again.add(1f).sub(again);
            assertArrayEquals(new float[] {1f, 1f}, new float[] {sum.getFloat(0), sum.getFloat(n - 1)});
            sum.close();
            again.close();

            // 10% smaller: served by the same block; half the size (40 MB): not (it would waste half of it)
            HostMemoryCache.Stats before = HostMemoryCache.stats();
            NDArray smaller = manager.zeros(new Shape(n - n / 10));
            assertEquals(before.hits() + 1, HostMemoryCache.stats().hits());
            assertEquals(0f, smaller.sum().getFloat());
            smaller.close();
            long missesBefore = HostMemoryCache.stats().misses();
            NDArray half = manager.ones(new Shape(n / 2));
            assertEquals(missesBefore + 1, HostMemoryCache.stats().misses());
            assertEquals(n / 2, half.sum().getFloat(), 0f);
            half.close();
        }
    }

    /**
     * At the source, libc10's own c10::alloc_cpu and c10::free_cpu (what every CPU tensor's storage goes through):
     * a large block comes back for the next request of its class; a second free of a cached block is ignored, so the
     * block is never handed out twice; small blocks pass straight to the C library.
     */
    @Test
    void libc10sAllocatorGoesThroughTheCache() throws IOException {
        if (!HostMemoryCache.status().applied()) {
            return;
        }
        NativeLibrary c10 = NativeLibrary.getInstance(loadedLibrary("libc10.so"));
        Function alloc = c10.getFunction("_ZN3c109alloc_cpuEm"); // c10::alloc_cpu(size_t)
        Function free = c10.getFunction("_ZN3c108free_cpuEPv"); // c10::free_cpu(void*)
        long size = 40_000_000;
        HostMemoryCache.Stats start = HostMemoryCache.stats();
        Pointer first = (Pointer) alloc.invoke(Pointer.class, new Object[] {size});
        free.invokeVoid(new Object[] {first});
        free.invokeVoid(new Object[] {first});
        HostMemoryCache.Stats freed = HostMemoryCache.stats();
        assertEquals(start.doubleFrees() + 1, freed.doubleFrees(), freed.toString());
        Pointer again = (Pointer) alloc.invoke(Pointer.class, new Object[] {size});
        Pointer other = (Pointer) alloc.invoke(Pointer.class, new Object[] {size});
        assertEquals(first, again, "the freed block serves the next request of its size");
        assertNotEquals(first, other, "a block freed twice must not be handed out twice");
        HostMemoryCache.Stats used = HostMemoryCache.stats();
        assertEquals(freed.hits() + 1, used.hits(), used.toString());
        free.invokeVoid(new Object[] {again});
        free.invokeVoid(new Object[] {other});

        long tracked = HostMemoryCache.stats().trackedBlocks();
        Pointer small = (Pointer) alloc.invoke(Pointer.class, new Object[] {1000L});
        assertEquals(tracked, HostMemoryCache.stats().trackedBlocks(), "blocks under 32 MiB are not tracked");
        free.invokeVoid(new Object[] {small});
        assertEquals(tracked, HostMemoryCache.stats().trackedBlocks());
    }

    /** The path of a loaded library whose file name is {@code name}, from /proc/self/maps. */
    private static String loadedLibrary(String name) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            int slash = line.indexOf('/');
            if (slash >= 0 && line.endsWith("/" + name)) {
                return line.substring(slash);
            }
        }
        throw new IllegalStateException(name + " is not loaded");
    }

    @Test
    void releaseGivesEveryCachedBlockBack() {
        if (!HostMemoryCache.status().applied()) {
            assertEquals(0, HostMemoryCache.release());
            return;
        }
        try (NDManager manager = Engines.newManager()) {
            manager.zeros(new Shape(3, 4 << 20)).close(); // 48 MiB
        }
        HostMemoryCache.Stats held = HostMemoryCache.stats();
        assertTrue(held.cachedBytes() >= 48L << 20, held.toString());
        assertEquals(held.cachedBytes(), HostMemoryCache.release());
        HostMemoryCache.Stats after = HostMemoryCache.stats();
        assertEquals(0, after.cachedBytes());
        assertEquals(0, after.cachedBlocks());
        assertEquals(held.releases() + held.cachedBlocks(), after.releases());
    }

    /**
     * A cached block that waits longer than the decay is released at the allocator's next call, so that shapes a
     * workload stopped using do not hold memory until the capacity is reached.
     */
    @Test
    void aBlockNotReusedWithinTheDecayIsReleased() throws InterruptedException {
        if (!HostMemoryCache.status().applied()) {
            return;
        }
        try (NDManager manager = Engines.newManager()) {
            assertTrue(HostMemoryCache.decide("auto", "Linux", "amd64", HostMemoryCache.capacity(), 1).applied());
            HostMemoryCache.release();
            manager.zeros(new Shape(11_111_111)).close(); // 44 MB, cached
            HostMemoryCache.Stats cached = HostMemoryCache.stats();
            assertEquals(1, cached.cachedBlocks(), cached.toString());
            Thread.sleep(2_200); // the clock counts whole seconds: at least 2 have passed
            manager.zeros(new Shape(8_500_000)).close(); // 34 MB: another class; the allocator drops the stale block
            HostMemoryCache.Stats after = HostMemoryCache.stats();
            assertEquals(cached.releases() + 1, after.releases(), after.toString());
            assertEquals(1, after.cachedBlocks(), "only the block just freed stays: " + after);
        } finally {
            HostMemoryCache.decide("auto", "Linux", "amd64", HostMemoryCache.capacity(),
                    HostMemoryCache.DEFAULT_DECAY_SECONDS);
        }
    }

    @Test
    void staysOffWhereNotWantedOrNotBuilt() {
        HostMemoryCache.Status off = HostMemoryCache.decide("off", "Linux", "amd64", 1L << 30, 10);
        assertFalse(off.applied());
        assertTrue(off.reason().contains("softprompt.hostCache=off"), off.reason());
        HostMemoryCache.Status mac = HostMemoryCache.decide("auto", "Mac OS X", "aarch64", 1L << 30, 10);
        assertFalse(mac.applied());
        assertTrue(mac.reason().contains("x86-64 Linux"), mac.reason());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HostMemoryCache.decide("fast", "Linux", "amd64", 1L << 30, 10));
        assertTrue(e.getMessage().contains("softprompt.hostCache") && e.getMessage().contains("'fast'"),
                e.getMessage());
    }

    @Test
    void readsByteCountsWithBinaryUnitsAndNamesThePropertyOnBadInput() {
        assertEquals(512L << 20, HostMemoryCache.parseBytes("512m"));
        assertEquals(2L << 30, HostMemoryCache.parseBytes(" 2G "));
        assertEquals(4096, HostMemoryCache.parseBytes("4k"));
        assertEquals(1000, HostMemoryCache.parseBytes("1000"));
        assertRejected(HostMemoryCache::parseBytes, "softprompt.hostCache.maxBytes", "", "lots", "-1g", "9999999999g");
        assertEquals(0, HostMemoryCache.parseSeconds("0"));
        assertEquals(30, HostMemoryCache.parseSeconds(" 30 "));
        assertRejected(HostMemoryCache::parseSeconds, "softprompt.hostCache.decaySeconds", "", "-1", "ten", "1.5");
    }

    /** Every bad value is an IllegalArgumentException that names the property. */
    private static void assertRejected(java.util.function.ToLongFunction<String> parse, String property,
                                       String... bad) {
        for (String value : bad) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse.applyAsLong(value));
            assertTrue(e.getMessage().contains(property), "'" + value + "': " + e.getMessage());
        }
    }
}
