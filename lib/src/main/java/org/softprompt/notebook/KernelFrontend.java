package org.softprompt.notebook;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;

/**
 * Sends mime bundles to a running Java kernel through reflection, so that softprompt compiles against no kernel and
 * works in each of them. The three kernels agree on the idea (a kernel object with {@code display(DisplayData)}, a
 * DisplayData with {@code putData(String, Object)} and {@code setDisplayId(String)}) but not on the details:
 *
 * <ul>
 *   <li>rapaio-jupyter-kernel 3.x: the kernel is {@code org.rapaio.jupyter.kernel.MainApp.kernel}; DisplayData has a
 *       protected constructor and static factories such as {@code fromText(String)}; updates go through
 *       {@code kernel.updateDisplay(DisplayData)} with the display id set on the data.</li>
 *   <li>IJava ({@code io.github.spencerpark.ijava.IJava.getKernelInstance()}) and JJava
 *       ({@code org.dflib.jjava.JJava.getKernelInstance()}), both built on jupyter-jvm-basekernel: DisplayData has a
 *       public no-argument constructor; updates go through {@code kernel.getIO().display.updateDisplay(String id,
 *       DisplayData)}. Old basekernel versions have no updateDisplay; then {@link #supportsUpdates()} is false.</li>
 * </ul>
 *
 * <p>The adapter is built from the shapes of the methods, not from class names, so a kernel version that moves its
 * classes but keeps these shapes still works.
 */
final class KernelFrontend implements Frontend {
    private final String name;
    private final Object kernel;
    private final Method display;
    private final DisplayDataFactory newDisplayData;
    private final Method putData;
    private final Method setDisplayId;
    private final Updater updater;

    private KernelFrontend(String name, Object kernel, Method display, DisplayDataFactory newDisplayData, Method putData, Method setDisplayId, Updater updater) {
        this.name = name;
        this.kernel = kernel;
        this.display = display;
        this.newDisplayData = newDisplayData;
        this.putData = putData;
        this.setDisplayId = setDisplayId;
        this.updater = updater;
    }

    /**
     * Builds an adapter for {@code kernel}, or explains which expected method is missing.
     *
     * @param name how to call this kernel in messages
     */
    static KernelFrontend adapt(String name, Object kernel) {
        Class<?> kernelType = kernel.getClass();
        Method display = null;
        for (Method method : kernelType.getMethods()) {
            if (method.getName().equals("display") && method.getParameterCount() == 1
                    && !Modifier.isStatic(method.getModifiers())
                    && publicMethod(method.getParameterTypes()[0], "putData", String.class, Object.class) != null) {
                display = method;
                break;
            }
        }
        if (display == null) {
            throw new IllegalArgumentException(name + ": " + kernelType.getName()
                    + " has no method display(DisplayData) taking a type with putData(String, Object)");
        }
        Class<?> dataType = display.getParameterTypes()[0];
        Method putData = publicMethod(dataType, "putData", String.class, Object.class);
        Method setDisplayId = publicMethod(dataType, "setDisplayId", String.class);
        if (setDisplayId == null) {
            throw new IllegalArgumentException(name + ": " + dataType.getName() + " has no setDisplayId(String)");
        }
        DisplayDataFactory factory = factoryFor(name, dataType);
        Updater updater = updaterFor(kernel, dataType);
        return new KernelFrontend(name, kernel, accessible(display), factory, accessible(putData),
                accessible(setDisplayId), updater);
    }

    @Override
    public boolean rendersRichOutput() {
        return true;
    }

    @Override
    public boolean supportsUpdates() {
        return updater != null;
    }

    @Override
    public void display(MimeBundle bundle, String displayId) {
        invoke(display, kernel, toDisplayData(bundle, displayId));
    }

    @Override
    public void update(MimeBundle bundle, String displayId) {
        if (updater == null) {
            throw new UnsupportedOperationException(name + " cannot update an output in place");
        }
        if (displayId == null) {
            throw new IllegalArgumentException("an update needs the display id of the output it replaces");
        }
        updater.update(displayId, toDisplayData(bundle, displayId));
    }

    @Override
    public String describe() {
        return name;
    }

    private Object toDisplayData(MimeBundle bundle, String displayId) {
        Object data = newDisplayData.create();
        for (Map.Entry<String, Object> entry : bundle.data().entrySet()) {
            invoke(putData, data, entry.getKey(), entry.getValue());
        }
        if (displayId != null) {
            invoke(setDisplayId, data, displayId);
        }
        return data;
    }

    private interface DisplayDataFactory {
        Object create();
    }

    private interface Updater {
        void update(String displayId, Object displayData);
    }

    /** A public no-argument constructor (basekernel), else a public static factory taking one String (rapaio). */
    private static DisplayDataFactory factoryFor(String name, Class<?> dataType) {
        try {
            Constructor<?> constructor = dataType.getConstructor();
            return () -> {
                try {
                    return constructor.newInstance();
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("Could not create " + dataType.getName(), e);
                }
            };
        } catch (NoSuchMethodException e) {
            // rapaio: fall through to its static factories
        }
        for (Method method : dataType.getMethods()) {
            if (Modifier.isStatic(method.getModifiers()) && dataType.isAssignableFrom(method.getReturnType())
                    && method.getParameterCount() == 1 && method.getParameterTypes()[0] == String.class
                    && (method.getName().equals("fromText") || method.getName().equals("withText"))) {
                Method factory = accessible(method);
                // The factory's text/plain entry is overwritten by the bundle's own.
                return () -> invoke(factory, null, "");
            }
        }
        throw new IllegalArgumentException(name + ": " + dataType.getName()
                + " has neither a public no-argument constructor nor a static fromText(String) factory");
    }

    private static Updater updaterFor(Object kernel, Class<?> dataType) {
        Method direct = publicMethod(kernel.getClass(), "updateDisplay", dataType);
        if (direct != null) {
            Method update = accessible(direct);
            return (id, data) -> invoke(update, kernel, data);
        }
        Method getIo = publicMethod(kernel.getClass(), "getIO");
        if (getIo == null) {
            return null;
        }
        Object io = invoke(accessible(getIo), kernel);
        if (io == null) {
            return null;
        }
        Object stream;
        try {
            Field field = io.getClass().getField("display");
            stream = field.get(io);
        } catch (NoSuchFieldException | IllegalAccessException e) {
            return null;
        }
        if (stream == null) {
            return null;
        }
        Method withId = publicMethod(stream.getClass(), "updateDisplay", String.class, dataType);
        if (withId != null) {
            Method update = accessible(withId);
            return (id, data) -> invoke(update, stream, id, data);
        }
        Method withoutId = publicMethod(stream.getClass(), "updateDisplay", dataType);
        if (withoutId != null) {
            Method update = accessible(withoutId);
            return (id, data) -> invoke(update, stream, data);
        }
        return null;
    }

    private static Method publicMethod(Class<?> type, String name, Class<?>... parameterTypes) {
        try {
            return type.getMethod(name, parameterTypes);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /**
     * A public method declared in a non-public class (for instance a kernel's private subclass) cannot be invoked
     * through reflection until it is made accessible; kernels live in the unnamed module, where that is allowed.
     */
    private static Method accessible(Method method) {
        if (!Modifier.isPublic(method.getDeclaringClass().getModifiers())) {
            method.trySetAccessible();
        }
        return method;
    }

    private static Object invoke(Method method, Object target, Object... arguments) {
        try {
            return method.invoke(target, arguments);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("The kernel's " + method.getName() + " failed", cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("Cannot call the kernel's " + method, e);
        }
    }
}
