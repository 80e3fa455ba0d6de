package org.softprompt.notebook;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the Jupyter kernel this JVM runs in, if any. Each supported kernel keeps its instance in a static place; the
 * first one that holds a live kernel wins. Without one, outputs go to the console.
 */
final class Frontends {
    /** Where a kernel keeps its running instance: a static no-argument method or a static field. */
    record KernelLocation(String name, String className, String member) {}

    static final List<KernelLocation> KNOWN_KERNELS = List.of(
            new KernelLocation("rapaio-jupyter-kernel", "org.rapaio.jupyter.kernel.MainApp", "kernel"),
            new KernelLocation("JJava", "org.dflib.jjava.JJava", "getKernelInstance"),
            new KernelLocation("IJava", "io.github.spencerpark.ijava.IJava", "getKernelInstance"));

    private static Frontend current;

    private Frontends() {}

    /** The front end for this JVM, found once. */
    static synchronized Frontend current() {
        if (current == null) {
            current = locate(KNOWN_KERNELS, candidateLoaders());
        }
        return current;
    }

    /** Replaces the front end (tests); null makes the next {@link #current()} look for a kernel again. */
    static synchronized void install(Frontend frontend) {
        current = frontend;
    }

    /**
     * The first kernel in {@code locations} that is loaded and running, adapted; else the console. A kernel that is
     * running but whose display methods have an unexpected shape is reported once on stderr and skipped.
     */
    static Frontend locate(List<KernelLocation> locations, List<ClassLoader> loaders) {
        for (KernelLocation location : locations) {
            Object kernel = runningInstance(location, loaders);
            if (kernel == null) {
                continue;
            }
            try {
                return KernelFrontend.adapt(location.name(), kernel);
            } catch (IllegalArgumentException e) {
                System.err.println("softprompt: found the " + location.name() + " kernel but cannot use its display "
                        + "API (" + e.getMessage() + "); outputs are printed as text instead.");
            }
        }
        return new ConsoleFrontend();
    }

    private static Object runningInstance(KernelLocation location, List<ClassLoader> loaders) {
        for (ClassLoader loader : loaders) {
            Class<?> type;
            try {
                // Loaded without initialising; reading the member below initialises it, which in a running kernel
                // has happened long before.
                type = Class.forName(location.className(), false, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                continue;
            }
            Object instance = readStatic(type, location.member());
            if (instance != null) {
                return instance;
            }
        }
        return null;
    }

    private static Object readStatic(Class<?> type, String member) {
        try {
            Method method = type.getMethod(member);
            if (Modifier.isStatic(method.getModifiers())) {
                return method.invoke(null);
            }
        } catch (NoSuchMethodException e) {
            // a field, perhaps
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null;
        }
        try {
            Field field = type.getField(member);
            if (Modifier.isStatic(field.getModifiers())) {
                return field.get(null);
            }
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null;
        }
        return null;
    }

    /**
     * The kernels load user code (and this library) through JShell's class loader, whose parents see the kernel;
     * the system loader is the kernel's own when it was started with {@code java -jar}.
     */
    private static List<ClassLoader> candidateLoaders() {
        Set<ClassLoader> loaders = new LinkedHashSet<>();
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        if (context != null) {
            loaders.add(context);
        }
        ClassLoader own = Frontends.class.getClassLoader();
        if (own != null) {
            loaders.add(own);
        }
        loaders.add(ClassLoader.getSystemClassLoader());
        return new ArrayList<>(loaders);
    }
}
